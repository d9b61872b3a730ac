package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * dnsflow's {@code --dnstap} output end to end, read by the reference readers an operator would
 * use: the golang-dnstap CLI ({@code dnstap -u}/{@code -r}) and fstrm's {@code fstrm_capture}.
 * Queries go through a real proxy to a scripted upstream, so the flows (and their attempt IDs)
 * that the readers' output is checked against are dnsflow's own. Skipped when the tools are not
 * installed, failed instead with {@code DNSFLOW_REQUIRE_PEERS=1}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnstapOutputTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("\\bid: (\\d+)");
    /** The question line of miekg/dns's dig-like text: {@code ;name.<TAB>IN<TAB> A}. */
    private static final Pattern QUESTION = Pattern.compile("(?m)^;([^;\\s]\\S*)\\s+IN\\s");
    /** Frame Streams STOP, the last bytes of a properly closed file: escape, length 4, type 3. */
    private static final byte[] STOP = HexFormat.of().parseHex("000000000000000400000003");

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private DnsProxy proxy;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /**
     * A proxy with dnstap to {@code destination} (identity "test-id") in front of an upstream that
     * answers every name with 192.0.2.1, except names starting with "silent", which it never answers.
     */
    private DnsProxy proxy(String destination) throws IOException {
        // generous: on a loaded machine an answer must not turn into a timeout
        return proxy(destination, Duration.ofSeconds(2), Duration.ofMillis(2500));
    }

    private DnsProxy proxy(String destination, Duration timeout, Duration deadline) throws IOException {
        upstream = ScriptedUpstream.start((q, reply) -> {
            if (!q.message().getQuestion().getName().toString().startsWith("silent")) {
                reply.send(Wire.answer(q.message(), "192.0.2.1"));
            }
        });
        ForwardOptions forward = ForwardOptions.defaults().toBuilder()
                .timeouts(timeout, deadline)
                .health(1000, Duration.ofSeconds(60)) // timeouts must not take the only upstream out
                .build();
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .eventLoops(1).forward(forward).dnstap(destination, "test-id").build());
        return proxy;
    }

    private ReaderProcess dnstapReader(String name, Path socket) throws IOException {
        ReaderProcess reader = ReaderProcess.start(dir, name, socket, Peers.require("dnstap").toString(),
                "-u", socket.toString(), "-j");
        open.add(reader);
        return reader;
    }

    /** Sends one query for {@code name} and returns the answer (null on timeout). */
    private Message ask(String name, int id) {
        return DnsClient.udp(proxy.address(), Wire.query(name, Type.A, id).toWire(), 3000);
    }

    /** All flows so far, oldest first. */
    private List<Flow> flows() {
        proxy.recorder().drain(2000);
        List<Flow> newestFirst = new ArrayList<>(proxy.ring().newest(10_000, f -> true));
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private double dnstapDropped() {
        return proxy.metrics().count("dnsflow.dnstap.dropped");
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void dnstapPrintsTheFourMessagesOfEachFlowWithTheClientsIdAndDnsflowsUpstreamId() throws Exception {
        Path socket = dir.resolve("tap.sock");
        ReaderProcess reader = dnstapReader("tap", socket);
        proxy("unix:" + socket);

        for (int id : new int[] {101, 102, 103}) {
            assertThat(ask("q" + id + ".example.com.", id).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        List<Flow> flows = flows();
        assertThat(flows).hasSize(3);
        Map<String, List<Tap>> byName = byName(parse(reader.awaitLines(12, WAIT)));

        assertThat(byName.keySet()).containsExactlyElementsOf(flows.stream().map(f -> f.query().name()).toList());
        for (Flow flow : flows) {
            List<Tap> taps = byName.get(flow.query().name());
            assertThat(taps).extracting(Tap::type).as("flow %s", flow.query().name())
                    .containsExactly("CLIENT_QUERY", "FORWARDER_QUERY", "FORWARDER_RESPONSE", "CLIENT_RESPONSE");
            assertThat(taps).extracting(Tap::identity).containsOnly("test-id");
            Attempt attempt = flow.attempts().get(0);
            Tap cq = taps.get(0);
            Tap fq = taps.get(1);
            Tap fr = taps.get(2);
            Tap cr = taps.get(3);
            assertThat(cq.queryId()).as("CLIENT_QUERY carries the id the client sent").isEqualTo(flow.query().id());
            assertThat(fq.queryId()).as("FORWARDER_QUERY carries the id dnsflow put on the wire").isEqualTo(attempt.id());
            assertThat(fr.responseId()).as("FORWARDER_RESPONSE is the upstream's answer to that id").isEqualTo(attempt.id());
            assertThat(cr.responseId()).as("CLIENT_RESPONSE goes back with the client's id").isEqualTo(flow.query().id());
            assertThat(cr.text("response_message")).contains("192.0.2.1");
            assertThat(cq.text("query_address")).isEqualTo("127.0.0.1");
            assertThat(cq.message().get("query_port").asInt()).as("the client's port").isEqualTo(flow.client().port());
            assertThat(cq.message().get("response_port").asInt()).as("dnsflow's port").isEqualTo(proxy.address().getPort());
            assertThat(fq.message().get("response_port").asInt()).as("the upstream's port")
                    .isEqualTo(upstream.address().getPort());
        }
        assertThat(dnstapDropped()).isZero();
    }

    @Test
    void aTimedOutAttemptHasAForwarderQueryAndNoForwarderResponse() throws Exception {
        Path socket = dir.resolve("timeout.sock");
        ReaderProcess reader = dnstapReader("timeout", socket);
        proxy("unix:" + socket, Duration.ofMillis(700), Duration.ofMillis(1500));

        assertThat(ask("silent.example.com.", 501).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ask("loud.example.com.", 502).getRcode()).isEqualTo(Rcode.NOERROR);
        List<Flow> flows = flows();
        Flow silent = flows.get(0);
        assertThat(silent.attempts()).isNotEmpty().extracting(Attempt::outcome).containsOnly(AttemptOutcome.TIMEOUT);
        int expected = 1 + silent.attempts().size() + 1 + 4;
        Map<String, List<Tap>> byName = byName(parse(reader.awaitLines(expected, WAIT)));

        List<Tap> taps = byName.get("silent.example.com.");
        List<String> types = new ArrayList<>();
        types.add("CLIENT_QUERY");
        silent.attempts().forEach(a -> types.add("FORWARDER_QUERY"));
        types.add("CLIENT_RESPONSE");
        assertThat(taps).extracting(Tap::type).as("one FORWARDER_QUERY per attempt, no FORWARDER_RESPONSE")
                .containsExactlyElementsOf(types);
        assertThat(taps.subList(1, taps.size() - 1)).extracting(Tap::queryId)
                .containsExactlyElementsOf(silent.attempts().stream().map(Attempt::id).toList());
        assertThat(taps.get(taps.size() - 1).text("response_message")).contains("status: SERVFAIL, id: 501");
        assertThat(byName.get("loud.example.com.")).extracting(Tap::type)
                .containsExactly("CLIENT_QUERY", "FORWARDER_QUERY", "FORWARDER_RESPONSE", "CLIENT_RESPONSE");
        assertThat(reader.lines()).as("nothing else was printed").hasSize(expected);
    }

    /**
     * The reader is killed and started again on the same path, with flows before, during and after
     * the outage. Every message dnsflow produced is printed by one of the two readers or counted in
     * {@code dnsflow_dnstap_dropped_total}, exactly.
     *
     * <p>The reader is killed once it has printed everything sent to it. Killed while frames are on
     * their way, it takes with it those the writer had already handed to the socket: Frame Streams
     * has no per-frame acknowledgement, so no writer can count them (see the next test).
     */
    @Test
    void theWriterReconnectsToARestartedReaderAndEveryMessageIsPrintedOrCountedAsDropped() throws Exception {
        Path socket = dir.resolve("restart.sock");
        ReaderProcess first = dnstapReader("first", socket);
        proxy("unix:" + socket);
        int perPhase = 20;
        int id = 1;

        for (int i = 0; i < perPhase; i++, id++) {
            ask("before" + id + ".example.com.", id);
        }
        first.awaitLines(4 * perPhase, WAIT);
        first.close(); // SIGTERM, while dnsflow is connected
        for (int i = 0; i < perPhase; i++, id++) {
            ask("down" + id + ".example.com.", id);
            Thread.sleep(10);
        }
        ReaderProcess second = dnstapReader("second", socket);
        for (int i = 0; i < perPhase; i++, id++) {
            ask("after" + id + ".example.com.", id);
        }
        List<Flow> flows = flows();
        assertThat(flows).hasSize(3 * perPhase);
        assertThat(flows).allSatisfy(f -> assertThat(f.attempts()).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.ANSWERED));
        long produced = 4L * flows.size();

        await(() -> first.lines().size() + second.lines().size() + (long) dnstapDropped(), produced, null);
        Thread.sleep(300); // nothing more may arrive

        List<Tap> printed = new ArrayList<>(parse(first.lines()));
        printed.addAll(parse(second.lines()));
        assertThat(printed.size() + (long) dnstapDropped())
                .as("printed by the first reader %d + by the second %d + dropped %s = produced",
                        first.lines().size(), second.lines().size(), dnstapDropped())
                .isEqualTo(produced);
        assertThat(printed).extracting(t -> t.type() + " " + t.name()).doesNotHaveDuplicates();
        assertThat(byName(parse(second.lines())).keySet())
                .as("the writer reconnected by itself: the new reader got the last flow")
                .contains(flows.get(flows.size() - 1).query().name());
    }

    /**
     * A reader killed in the middle of a stream loses what the writer had already handed to its
     * socket (the kernel accepted it; the reader died before printing it): those messages are
     * neither printed nor counted as dropped. Measured here: 0 to 184 messages per kill at about
     * 300 flows/s, while the writer's own {@code written + dropped} always equalled what was
     * offered. What the writer owes the user is that nothing is printed twice and, once a new
     * reader is there, every later flow arrives whole.
     */
    @Test
    void aReaderKilledUnderTrafficLosesOnlyWhatWasOnItsWayAndTheNextReaderGetsEveryLaterFlow() throws Exception {
        Path socket = dir.resolve("traffic.sock");
        ReaderProcess first = dnstapReader("busy1", socket);
        proxy("unix:" + socket);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger(1);
        Thread sender = new Thread(() -> {
            while (!stop.get()) {
                int n = next.getAndIncrement();
                ask("t" + n + ".example.com.", n);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }, "dnstap-traffic");
        sender.start();
        List<Flow> flows;
        long reconnectedNanos;
        ReaderProcess second;
        try {
            first.awaitLines(40, WAIT);
            first.close(); // SIGTERM in mid-stream
            Thread.sleep(200);
            second = dnstapReader("busy2", socket);
            second.awaitLines(1, WAIT);
            reconnectedNanos = epochNanos();
            Thread.sleep(300);
        } finally {
            stop.set(true);
            sender.join();
        }
        flows = flows();
        long produced = 4L * flows.size();
        await(() -> first.lines().size() + second.lines().size() + (long) dnstapDropped(), produced,
                Duration.ofMillis(500));
        Thread.sleep(300);

        List<Tap> printed = new ArrayList<>(parse(first.lines()));
        printed.addAll(parse(second.lines()));
        assertThat(printed).extracting(t -> t.type() + " " + t.name()).as("nothing printed twice").doesNotHaveDuplicates();
        assertThat(printed.size() + (long) dnstapDropped()).as("printed + dropped").isLessThanOrEqualTo(produced);
        Map<String, List<Tap>> bySecond = byName(parse(second.lines()));
        List<Flow> later = flows.stream().filter(f -> f.timeEpochNanos() > reconnectedNanos).toList();
        assertThat(later).as("flows after the new reader was printing").isNotEmpty();
        assertThat(later).allSatisfy(f -> assertThat(bySecond.get(f.query().name())).extracting(Tap::type)
                .as(f.query().name())
                .containsExactly("CLIENT_QUERY", "FORWARDER_QUERY", "FORWARDER_RESPONSE", "CLIENT_RESPONSE"));
    }

    @Test
    void aFileOutputIsClosedWithStopAndReadBackByDnstap() throws Exception {
        Path dnstap = Peers.require("dnstap");
        Path file = dir.resolve("flows.fstrm");
        proxy("file:" + file);
        for (int id : new int[] {301, 302}) {
            ask("f" + id + ".example.com.", id);
        }
        List<Flow> flows = flows();
        proxy.close();

        byte[] bytes = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(bytes, bytes.length - STOP.length, bytes.length)).as("the file ends with STOP")
                .isEqualTo(STOP);
        Map<String, List<Tap>> byName = byName(parse(ReaderProcess.run(dir, dnstap.toString(), "-r", file.toString(), "-j")));
        assertThat(byName.keySet()).containsExactly("f301.example.com.", "f302.example.com.");
        assertThat(byName.values()).allSatisfy(taps -> assertThat(taps).extracting(Tap::type)
                .containsExactly("CLIENT_QUERY", "FORWARDER_QUERY", "FORWARDER_RESPONSE", "CLIENT_RESPONSE"));
        assertThat(byName.get("f301.example.com.").get(1).queryId()).isEqualTo(flows.get(0).attempts().get(0).id());
        assertThat(extras(file)).as("extra of every message, in order").containsExactly(
                Map.of("flow", flows.get(0).id()), Map.of("flow", flows.get(0).id()), Map.of("flow", flows.get(0).id()),
                Map.of("flow", flows.get(0).id()), Map.of("flow", flows.get(1).id()), Map.of("flow", flows.get(1).id()),
                Map.of("flow", flows.get(1).id()), Map.of("flow", flows.get(1).id()));
    }

    /**
     * The Debian dnstap CLI (golang-dnstap 0.4) prints {@code extra} in none of its formats, so the
     * flow id is read from fstrm_capture's copy of the stream with the protobuf schema.
     */
    @Test
    void fstrmCaptureRecordsTheStreamWithTheFlowIdAndThePodInExtraAndDnstapReadsTheCaptureBack() throws Exception {
        Path capture = Peers.require("fstrm_capture");
        Path dnstap = Peers.require("dnstap");
        Path socket = dir.resolve("capture.sock");
        Path file = dir.resolve("capture.fstrm");
        ReaderProcess reader = ReaderProcess.start(dir, "capture", socket, capture.toString(),
                "-t", ControlFrame.DNSTAP_CONTENT_TYPE, "-u", socket.toString(), "-w", file.toString());
        open.add(reader);
        proxy("unix:" + socket);
        ask("plain.example.com.", 401);
        Message fromCoreDns = Wire.query("pod.example.com.", Type.A, 402);
        fromCoreDns.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(
                new GenericEDNSOption(65518, InetAddress.getByName("10.244.1.7").getAddress()),
                new GenericEDNSOption(65519, new byte[] {(byte) 0xC3, 0x50}))), Section.ADDITIONAL);
        assertThat(DnsClient.udp(proxy.address(), fromCoreDns).getRcode()).isEqualTo(Rcode.NOERROR);
        List<Flow> flows = flows();
        proxy.close(); // flushes, STOP, FINISH from fstrm_capture
        reader.close(); // SIGTERM: fstrm_capture closes its file

        assertThat(reader.stderr()).as("START + 8 data frames + STOP").contains("wrote 10 frames");
        Map<String, String> plain = Map.of("flow", flows.get(0).id());
        Map<String, String> pod = Map.of("flow", flows.get(1).id(), "origin", "10.244.1.7:50000");
        assertThat(extras(file)).containsExactly(plain, plain, plain, plain, pod, pod, pod, pod);

        Map<String, List<Tap>> byName = byName(parse(ReaderProcess.run(dir, dnstap.toString(), "-r", file.toString(), "-j")));
        for (Flow flow : flows) {
            assertThat(byName.get(flow.query().name())).extracting(Tap::type)
                    .containsExactly("CLIENT_QUERY", "FORWARDER_QUERY", "FORWARDER_RESPONSE", "CLIENT_RESPONSE");
            assertThat(byName.get(flow.query().name()).get(1).queryId()).isEqualTo(flow.attempts().get(0).id());
        }
        List<Tap> podTaps = byName.get("pod.example.com.");
        assertThat(podTaps.get(0).text("query_message")).as("CLIENT_QUERY is the query as CoreDNS sent it")
                .contains("LOCAL OPT: 65518:0x0af40107");
        assertThat(podTaps.get(1).text("query_message")).as("FORWARDER_QUERY is the query as the upstream got it")
                .doesNotContain("65518").doesNotContain("OPT PSEUDOSECTION");
        assertThat(dnstapDropped()).isZero();
    }

    // ------------------------------------------------------------------------------------------

    /** One line of {@code dnstap -j}. */
    record Tap(JsonNode json) {
        String type() {
            return message().get("type").asText();
        }

        String identity() {
            return json.path("identity").asText(null);
        }

        JsonNode message() {
            return json.get("message");
        }

        String text(String field) {
            return message().path(field).asText("");
        }

        /** The question name of whichever DNS message the record carries. */
        String name() {
            Matcher m = QUESTION.matcher(text("query_message") + text("response_message"));
            return m.find() ? m.group(1) : null;
        }

        int queryId() {
            return id(text("query_message"));
        }

        int responseId() {
            return id(text("response_message"));
        }

        private static int id(String dig) {
            Matcher m = ID.matcher(dig);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }
    }

    private static List<Tap> parse(List<String> lines) {
        List<Tap> taps = new ArrayList<>();
        for (String line : lines) {
            try {
                taps.add(new Tap(JSON.readTree(line)));
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + line, e);
            }
        }
        return taps;
    }

    /** The messages grouped by question name (unique per flow here), names in order of first appearance. */
    private static Map<String, List<Tap>> byName(List<Tap> taps) {
        Map<String, List<Tap>> byName = new LinkedHashMap<>();
        for (Tap tap : taps) {
            byName.computeIfAbsent(tap.name(), k -> new ArrayList<>()).add(tap);
        }
        return byName;
    }

    /** The {@code extra} of every data frame in a Frame Streams file, parsed as JSON. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> extras(Path file) throws IOException {
        List<Map<String, String>> extras = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            assertThat(in.readInt()).as("escape of START").isZero();
            in.skipNBytes(in.readInt());
            for (int length = in.readInt(); length != 0; length = in.readInt()) {
                byte[] frame = in.readNBytes(length);
                extras.add(JSON.readValue(Dnstap.parseFrom(frame).getExtra().toStringUtf8(), Map.class));
            }
        }
        return extras;
    }

    /**
     * Waits until {@code count} reaches {@code target}, or (when {@code settle} is not null) has not
     * changed for that long; gives up after {@link #WAIT} and lets the caller's assertion explain.
     */
    private static void await(LongSupplier count, long target, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = count.getAsLong();
            if (now >= target) {
                return;
            }
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (settle != null && System.nanoTime() - since > settle.toNanos()) {
                return;
            }
            Thread.sleep(20);
        }
    }
}
