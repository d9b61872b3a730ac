package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.testing.Eventually;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer against the reference dnstap readers: the golang-dnstap CLI ({@code dnstap}) and
 * fstrm's {@code fstrm_capture}. Skipped when they are not installed, failed instead with
 * {@code DNSFLOW_REQUIRE_PEERS=1}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DnstapPeersTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void dnstapReadsQueriesAndResponsesWithAddressesAndDecodableDnsMessages() throws Exception {
        Peers.require("dnstap"); // skip or fail before anything starts
        Path socket = dir.resolve("dnstap.sock");
        try (ReaderProcess reader = dnstapOn(socket, "dnstap");
             FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket)) {
            writer.offer(TestFrames.forwarderQuery(4001));
            writer.offer(TestFrames.ENCODER.message(Message.Type.FORWARDER_RESPONSE)
                    .protocol(SocketProtocol.UDP)
                    .queryAddress(TestFrames.CLIENT, 40000)
                    .responseAddress(TestFrames.UPSTREAM, 53)
                    .queryTime(1_700_000_000_123_456_789L)
                    .responseTime(1_700_000_000_125_000_000L)
                    .responseMessage(TestFrames.response(4001).toWire())
                    .encode());
            writer.offer(TestFrames.ENCODER.message(Message.Type.CLIENT_QUERY)
                    .protocol(SocketProtocol.TCP)
                    .queryAddress(new byte[] {127, 0, 0, 1}, 35353)
                    .responseAddress(new byte[] {127, 0, 0, 1}, 5353)
                    .queryMessage(TestFrames.query(4002).toWire())
                    .encode());

            List<JsonNode> records = parse(reader.awaitLines(3, WAIT));

            JsonNode fq = records.get(0).get("message");
            assertThat(records.get(0).get("identity").asText()).isEqualTo("dnsflow-test");
            assertThat(records.get(0).get("version").asText()).isEqualTo("dnsflow 0.1.0");
            assertThat(fq.get("type").asText()).isEqualTo("FORWARDER_QUERY");
            assertThat(fq.get("socket_family").asText()).isEqualTo("INET");
            assertThat(fq.get("socket_protocol").asText()).isEqualTo("UDP");
            assertThat(fq.get("query_address").asText()).isEqualTo("10.1.2.3");
            assertThat(fq.get("query_port").asInt()).isEqualTo(40000);
            assertThat(fq.get("response_address").asText()).isEqualTo("10.0.0.10");
            assertThat(fq.get("response_port").asInt()).isEqualTo(53);
            // forwarderQuery(n) sends at 1_700_000_000.123456789 s + n ns: nanoseconds survive the round trip
            assertThat(fq.get("query_time").asText()).isEqualTo("2023-11-14T22:13:20.12346079Z");
            assertThat(fq.get("query_message").asText()).contains("id: 4001").contains("q4001.example.com.");

            JsonNode fr = records.get(1).get("message");
            assertThat(fr.get("type").asText()).isEqualTo("FORWARDER_RESPONSE");
            assertThat(fr.get("response_time").asText()).isEqualTo("2023-11-14T22:13:20.125Z");
            assertThat(fr.get("response_message").asText())
                    .contains("status: NOERROR, id: 4001").contains("ANSWER: 1").contains("192.0.2.1");

            JsonNode cq = records.get(2).get("message");
            assertThat(cq.get("type").asText()).isEqualTo("CLIENT_QUERY");
            assertThat(cq.get("socket_protocol").asText()).isEqualTo("TCP");
            assertThat(cq.get("query_address").asText()).isEqualTo("127.0.0.1");
            assertThat(cq.get("query_message").asText()).contains("id: 4002");
            assertThat(writer.dropped()).isZero();
        }
    }

    @Test
    void framesOfferedBeforeTheReaderStartsAreDeliveredOnceItListens() throws Exception {
        Peers.require("dnstap");
        Path socket = dir.resolve("late.sock");
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket)) {
            for (int n = 1; n <= 5; n++) {
                writer.offer(TestFrames.forwarderQuery(n));
            }
            Thread.sleep(300); // a few failed connection attempts
            assertThat(writer.connected()).isFalse();
            try (ReaderProcess reader = dnstapOn(socket, "late")) {
                assertThat(TestFrames.ids(reader.awaitLines(5, WAIT))).containsExactly(1, 2, 3, 4, 5);
            }
        }
    }

    @Test
    void tcpOutputReachesDnstapListeningOnAPort() throws Exception {
        Path dnstap = Peers.require("dnstap");
        int port = Peers.freePort();
        Path log = dir.resolve("tcp.out");
        Process reader = new ProcessBuilder(dnstap.toString(), "-l", "127.0.0.1:" + port, "-j")
                .redirectOutput(log.toFile()).redirectError(dir.resolve("tcp.err").toFile()).start();
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("tcp:127.0.0.1:" + port)) {
            writer.offer(TestFrames.forwarderQuery(77));
            await(() -> lines(log).size() >= 1, "dnstap -l output");
            assertThat(TestFrames.ids(lines(log))).containsExactly(77);
        } finally {
            reader.destroy();
            reader.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void fstrmCaptureWritesAFileThatDnstapReadsBack() throws Exception {
        Path capture = Peers.require("fstrm_capture");
        Path dnstap = Peers.require("dnstap");
        Path socket = dir.resolve("capture.sock");
        Path file = dir.resolve("capture.fstrm");
        try (ReaderProcess reader = ReaderProcess.start(dir, "fstrm_capture", socket, capture.toString(),
                "-t", ControlFrame.DNSTAP_CONTENT_TYPE, "-u", socket.toString(), "-w", file.toString())) {
            try (FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket)) {
                for (int n = 10; n < 20; n++) {
                    writer.offer(TestFrames.forwarderQuery(n));
                }
                await(() -> writer.written() == 10, "10 frames written");
            }
            reader.close(); // SIGTERM: fstrm_capture closes its file with STOP
            assertThat(reader.stderr()).contains("wrote 12 frames"); // START + 10 + STOP
        }
        List<String> lines = ReaderProcess.run(dir, dnstap.toString(), "-r", file.toString(), "-j");
        assertThat(TestFrames.ids(lines)).containsExactlyElementsOf(IntStream.range(10, 20).boxed().toList());
        assertThat(parse(lines)).allSatisfy(r -> assertThat(r.get("message").get("type").asText()).isEqualTo("FORWARDER_QUERY"));
    }

    @Test
    void fileOutputIsReadByDnstapAndByTheGeneratedParser() throws Exception {
        Path dnstap = Peers.require("dnstap");
        Path file = dir.resolve("out.fstrm");
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("file:" + file)) {
            for (int n = 100; n < 103; n++) {
                writer.offer(TestFrames.forwarderQuery(n));
            }
        }
        List<String> text = ReaderProcess.run(dir, dnstap.toString(), "-r", file.toString());
        assertThat(text).hasSize(3);
        assertThat(text.get(0)).contains(" FQ ").contains("10.0.0.10").contains("UDP").contains("\"q100.example.com.\" IN A");
        assertThat(TestFrames.ids(ReaderProcess.run(dir, dnstap.toString(), "-r", file.toString(), "-j")))
                .containsExactly(100, 101, 102);
        try (InputStream in = Files.newInputStream(file)) {
            List<Dnstap> parsed = new ArrayList<>();
            for (byte[] frame : TestFrames.readStream(in)) {
                parsed.add(Dnstap.parseFrom(frame));
            }
            assertThat(parsed).extracting(d -> d.getMessage().getQueryPort()).containsOnly(40000);
            assertThat(parsed).extracting(d -> d.getExtra().toStringUtf8()).containsExactly("flow-100", "flow-101", "flow-102");
        }
    }

    @Test
    void theWriterReconnectsByItselfAfterTheReaderIsKilledAndAccountsForEveryFrame() throws Exception {
        Peers.require("dnstap");
        Path socket = dir.resolve("restart.sock");
        int capacity = 8;
        FrameStreamsWriter writer = new FrameStreamsWriter(Destination.parse("unix:" + socket), capacity, null);
        try {
            try (ReaderProcess first = dnstapOn(socket, "first")) {
                for (int n = 0; n < 5; n++) {
                    writer.offer(TestFrames.forwarderQuery(n));
                }
                assertThat(TestFrames.ids(first.awaitLines(5, WAIT))).containsExactly(0, 1, 2, 3, 4);
            } // killed here (SIGTERM), with the writer still connected
            await(() -> !writer.connected(), "the writer to notice the reader is gone");

            int offeredWhileDown = 20;
            for (int n = 100; n < 100 + offeredWhileDown; n++) {
                writer.offer(TestFrames.forwarderQuery(n));
            }
            long droppedWhileDown = writer.dropped();
            assertThat(droppedWhileDown).as("a bounded queue drops beyond its capacity").isPositive();

            try (ReaderProcess second = dnstapOn(socket, "second")) {
                await(writer::connected, "the writer to reconnect");
                writer.offer(TestFrames.forwarderQuery(999)); // and the stream goes on afterwards
                writer.close();
                List<Integer> ids = TestFrames.ids(second.awaitLines((int) (offeredWhileDown - writer.dropped()) + 1, WAIT));
                List<Integer> deliveredWhileDown = ids.stream().filter(id -> id >= 100 && id < 100 + offeredWhileDown).toList();

                assertThat(ids).doesNotHaveDuplicates().doesNotContain(0, 1, 2, 3, 4).endsWith(999);
                assertThat(deliveredWhileDown.size() + writer.dropped()).isEqualTo(offeredWhileDown);
                assertThat(writer.dropped()).isEqualTo(droppedWhileDown);
                assertThat(writer.written()).isEqualTo(5 + deliveredWhileDown.size() + 1);
            }
        } finally {
            writer.close();
        }
    }

    /** {@code dnstap -u SOCKET -j}: the golang-dnstap reader printing one JSON object per message. */
    private ReaderProcess dnstapOn(Path socket, String name) throws IOException {
        return ReaderProcess.start(dir, name, socket, Peers.require("dnstap").toString(), "-u", socket.toString(), "-j");
    }

    private static List<JsonNode> parse(List<String> lines) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : lines) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Eventually.await(condition, WAIT, what);
    }
}
