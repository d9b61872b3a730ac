package dev.dnsflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ChaosFileTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T20:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    @RegisterExtension
    final LogCapture logs = new LogCapture(ChaosFile.class.getName());

    @Test
    void anEmptiedFileSwitchesChaosOffWithAWarningNamingTheFileAndTheRulesDropped() throws Exception {
        Path file = dir.resolve("chaos.yaml");
        Files.writeString(file, "rules:\n  - {name: a, action: drop}\n  - {name: b, action: truncate}\n");
        ChaosRules rules = new ChaosRules(CLOCK);
        rules.loadFlags(List.of("drop name=flag.example rule=from-flag"));
        try (ChaosFile chaos = new ChaosFile(file, rules, CLOCK, 3_600_000)) {
            assertThat(rules.list()).hasSize(3);

            Files.writeString(file, "");
            chaos.reloadIfChanged();

            assertThat(rules.list()).as("the empty file is applied; the flag's rule stays")
                    .extracting(ChaosRule::name).containsExactly("from-flag");
            assertThat(logs.records()).filteredOn(r -> r.getLevel() == Level.WARNING).singleElement()
                    .satisfies(r -> assertThat(r.getMessage()).contains(file.toString()).contains("dropped all 2 rules"));
        }
    }

    @Test
    void aFileEmptiedToAnEmptyListWarnsTooButAFileThatHadNoRulesDoesNot() throws Exception {
        Path file = dir.resolve("chaos.yaml");
        Files.writeString(file, "rules:\n  - {name: a, action: drop}\n");
        ChaosRules rules = new ChaosRules(CLOCK);
        try (ChaosFile chaos = new ChaosFile(file, rules, CLOCK, 3_600_000)) {
            Files.writeString(file, "rules: []\n");
            chaos.reloadIfChanged();
            assertThat(rules.list()).isEmpty();
            assertThat(logs.records()).filteredOn(r -> r.getLevel() == Level.WARNING).singleElement()
                    .satisfies(r -> assertThat(r.getMessage()).contains("dropped all 1 rule "));

            Files.writeString(file, "");
            chaos.reloadIfChanged();
            assertThat(logs.records()).as("nothing was dropped this time").filteredOn(r -> r.getLevel() == Level.WARNING).hasSize(1);
        }
    }
}
