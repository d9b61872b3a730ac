package dev.dnsflow.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.testing.Flows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesSinkTest {
    @TempDir
    Path dir;

    @Test
    void writesOneParsableJsonObjectPerLine() throws Exception {
        Path log = dir.resolve("flows.jsonl");
        try (JsonLinesSink sink = JsonLinesSink.file(log, 1 << 20, 2)) {
            sink.accept(Flows.sample());
            sink.accept(Flows.sample());
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            assertThat(new ObjectMapper().readTree(line).get("query").get("name").asText()).isEqualTo("example.com.");
        }
    }

    @Test
    void rotatesBySizeAndKeepsOnlyTheNewestFiles() throws Exception {
        Path log = dir.resolve("flows.jsonl");
        Flow flow = Flows.sample();
        try (JsonLinesSink sink = JsonLinesSink.file(log, 2000, 2)) {
            for (int i = 0; i < 40; i++) {
                sink.accept(flow);
            }
        }
        assertThat(dir.resolve("flows.jsonl.1")).exists();
        assertThat(dir.resolve("flows.jsonl.2")).exists();
        assertThat(dir.resolve("flows.jsonl.3")).doesNotExist();
        assertThat(Files.size(dir.resolve("flows.jsonl.1"))).isLessThan(2000 + 1000);
        long lines = 0;
        for (String name : List.of("flows.jsonl", "flows.jsonl.1", "flows.jsonl.2")) {
            for (String line : Files.readAllLines(dir.resolve(name))) {
                assertThat(line).startsWith("{").endsWith("}");
                lines++;
            }
        }
        assertThat(lines).isLessThan(40).isGreaterThan(0);
    }

    @Test
    void namesThePathItCannotOpen() {
        Path blocked = dir.resolve("file");
        assertThatThrownBy(() -> {
            Files.writeString(blocked, "x");
            JsonLinesSink.file(blocked.resolve("flows.jsonl"), 1000, 1);
        }).hasMessageContaining(blocked.toString());
    }
}
