package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.CliRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dnsflow proxy}'s flags as a user meets them; nothing here starts a proxy. */
class ProxyCommandTest {
    /** Would loop, so even a value wrongly accepted ends in an error instead of a running proxy. */
    private static final String[] NEVER_STARTS = {"--listen", "127.0.0.1:5399", "--upstream", "127.0.0.1:5399", "--admin", "off"};

    private static CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(NEVER_STARTS));
        all.addAll(List.of(args));
        return CliRun.of(new ProxyCommand(), all.toArray(String[]::new));
    }

    private static ProxyCommand.ProxyOptions parse(String... args) {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs(args);
        return command.options;
    }

    private static String firstLine(CliRun r) {
        return r.err().lines().findFirst().orElse("");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--flow-log-keep,     -1,            1 to 1000",
        "--flow-log-keep,     0,             1 to 1000",
        "--flow-log-keep,     1001,          1 to 1000",
        "--flow-log-max-size, 0,             1MB to 100GB",
        "--flow-log-max-size, 64KB,          1MB to 100GB",
        "--flow-log-max-size, 101GB,         1MB to 100GB",
        "--flow-log-max-size, 99999999999GB, 1MB to 100GB"})
    void rejectsRotationValuesThatWouldBreakRotationNamingTheFlagAndTheRange(String flag, String value, String range) {
        CliRun r = run("--flow-log", "/tmp/dnsflow-never-written.jsonl", flag, value);
        assertThat(r.code()).isEqualTo(2);
        assertThat(firstLine(r)).contains(flag).contains("'" + value + "'").contains(range);
    }

    @Test
    void acceptsRotationValuesAtTheEndsOfTheRange() {
        ProxyCommand.ProxyOptions o = parse("--flow-log-keep", "1", "--flow-log-max-size", "1MB");
        assertThat(o.flowLogKeep).isEqualTo(1);
        assertThat(o.flowLogMaxSize).isEqualTo(1L << 20);
        o = parse("--flow-log-keep", "1000", "--flow-log-max-size", "100GB");
        assertThat(o.flowLogKeep).isEqualTo(1000);
        assertThat(o.flowLogMaxSize).isEqualTo(100L << 30);
    }
}
