package dev.dnsflow.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.LogCapture;
import dev.dnsflow.testing.ProxyUnderTest;
import dev.dnsflow.testing.Wire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

class JsonLinesSinkTest {
    private static final Path FULL_DISK = Path.of("/dev/full");

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong();
    @RegisterExtension
    final LogCapture logs = new LogCapture("dev.dnsflow");

    @Test
    void writesOneParsableJsonObjectPerLine() throws Exception {
        Path log = dir.resolve("flows.jsonl");
        try (JsonLinesSink sink = JsonLinesSink.file(log, 1 << 20, 2, n -> { })) {
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
        try (JsonLinesSink sink = JsonLinesSink.file(log, 2000, 2, n -> { })) {
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
            JsonLinesSink.file(blocked.resolve("flows.jsonl"), 1000, 1, n -> { });
        }).hasMessageContaining(blocked.toString());
    }

    @Test
    void aFullDiskCountsEveryLostFlowAndWarnsAtMostOnceEveryTenSeconds() {
        Flow flow = Flows.sample();
        AtomicLong lost = new AtomicLong();
        JsonLinesSink sink = JsonLinesSink.file(FULL_DISK, 100L << 20, 3, clock::get, lost::addAndGet);
        for (int i = 1; i <= 20_000; i++) {
            sink.accept(flow);
            if (i % 100 == 0) { // 25 s at 800 flows a second, idle now and then
                sink.idle();
                    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(125));
            }
        }
        sink.close();

        assertThat(lost.get()).as("every flow is counted lost").isEqualTo(20_000);
        assertThat(logs.records()).as("one line at once, one per 10 s after, one at close").hasSizeBetween(2, 4);
        assertThat(logs.records()).allSatisfy(r -> {
            assertThat(r.getThrown()).isNull();
            assertThat(r.getMessage()).contains("flow log /dev/full").contains("No space left on device").hasSizeLessThan(300);
        });
        assertThat(logs.records().stream().mapToLong(r -> lostIn(r.getMessage())).sum()).as("the lines add up to every flow lost")
                .isEqualTo(20_000);
    }

    @Test
    void recoversByItselfWhenWritesSucceedAgainAndStillRotates() throws Exception {
        Path log = dir.resolve("flows.jsonl");
        Files.createSymbolicLink(log, FULL_DISK);
        Flow flow = Flows.sample();
        AtomicLong lost = new AtomicLong();
        JsonLinesSink sink = JsonLinesSink.file(log, 2000, 2, clock::get, lost::addAndGet);
        for (int i = 0; i < 10; i++) {
            sink.accept(flow);
        }
        sink.idle();
        assertThat(lost.get()).as("the buffered flows, lost when the flush failed").isEqualTo(10);

        Files.delete(log); // the disk has room again: PATH is a plain file from now on
        sink.accept(flow);
        assertThat(lost.get()).as("within the second before the retry").isEqualTo(11);

        clock.addAndGet(JsonLinesSink.RETRY_NANOS);
        for (int i = 0; i < 40; i++) {
            sink.accept(flow);
            sink.idle();
        }
        clock.addAndGet(JsonLinesSink.WARN_NANOS);
        sink.idle();
        sink.close();

        assertThat(lost.get()).isEqualTo(11);
        assertThat(Files.isSymbolicLink(log)).isFalse();
        assertThat(dir.resolve("flows.jsonl.1")).as("rotation works after recovery").exists();
        long lines = 0;
        for (String name : List.of("flows.jsonl", "flows.jsonl.1", "flows.jsonl.2")) {
            if (Files.exists(dir.resolve(name))) {
                for (String line : Files.readAllLines(dir.resolve(name))) {
                    assertThat(new ObjectMapper().readTree(line).get("query").get("name").asText()).isEqualTo("example.com.");
                    lines++;
                }
            }
        }
        assertThat(lines).isPositive().isLessThanOrEqualTo(40);
        assertThat(logs.records()).hasSize(2);
        assertThat(logs.records().get(0).getMessage()).contains("flows lost so far").contains("retrying every 1s");
        assertThat(logs.records().get(1).getMessage()).contains("lost since the last warning").contains("writing again");
        assertThat(logs.records().stream().mapToLong(r -> lostIn(r.getMessage())).sum()).isEqualTo(11);
    }

    @Test
    void aProxyWhoseFlowLogCannotBeWrittenCountsEveryFlowAsDroppedAndLogsAFewLines() throws Exception {
        int queries = 2000;
        try (ProxyUnderTest stage = new ProxyUnderTest()) {
            DnsProxy proxy = stage.start(c -> c.flowLog(FULL_DISK.toString(), 100L << 20, 3).flowBuffer(0));
            for (int i = 0; i < queries; i++) {
                assertThat(DnsClient.udp(proxy.address(), Wire.query("q" + i + ".example.com.", Type.A, i).toWire(), 2000))
                        .isNotNull();
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.metrics().count("dnsflow.flows.dropped", "sink", "log") < queries && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(proxy.metrics().count("dnsflow.flows.dropped", "sink", "log")).isEqualTo(queries);
        }
        String stderr = logs.records().stream().map(LogRecord::getMessage).reduce("", (a, b) -> a + b + "\n");
        assertThat(logs.records()).allSatisfy(r -> assertThat(r.getThrown()).as("no stack traces").isNull());
        assertThat(stderr.length()).as(stderr).isLessThan(1000);
        assertThat(stderr).contains("flow log /dev/full").contains("No space left on device");
    }

    private static long lostIn(String message) {
        Matcher m = Pattern.compile("(\\d+) flows? lost").matcher(message);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
