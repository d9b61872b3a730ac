package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.Policy;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.PeerFixtures;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * dnsflow between real DNS software: NSD as the upstream, BIND's dig and Knot's kdig as the
 * clients. What these tools accept and do (TC handling, TCP retry, connection reuse, reply
 * matching) is the ground truth the proxy must fit into. Skipped when the packages are missing,
 * failed instead with {@code DNSFLOW_REQUIRE_PEERS=1}.
 */
class RealPeersTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration DEADLINE = Duration.ofMillis(900);
    /** dig's rendering of the big TXT's rdata: the five quoted 255-character strings. */
    private static final String BIG_TXT = NsdServer.bigTxtStrings().stream()
            .map(s -> "\"" + s + "\"").collect(Collectors.joining(" "));

    /** The class's one NSD, started by the first test that needs it. */
    @RegisterExtension
    static final PeerFixtures.SharedNsd NSD = new PeerFixtures.SharedNsd();

    @RegisterExtension
    final PeerFixtures.Closer open = new PeerFixtures.Closer();

    private DnsProxy proxy(List<InetSocketAddress> upstreams, UnaryOperator<ForwardOptions.Builder> forward) {
        ForwardOptions options = forward.apply(ForwardOptions.defaults().toBuilder().timeouts(TIMEOUT, DEADLINE)).build();
        DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), upstreams)
                .forward(options).eventLoops(2).build());
        open.add(p);
        return p;
    }

    private DnsProxy proxyToNsd() {
        return proxy(List.of(NSD.get().address()), f -> f);
    }

    /** All flows recorded so far, newest first. */
    private static List<Flow> flows(DnsProxy proxy) {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(100, f -> true);
    }

    private static Flow onlyFlow(DnsProxy proxy) {
        List<Flow> flows = flows(proxy);
        assertThat(flows).as("exactly one flow recorded").hasSize(1);
        return flows.get(0);
    }

    private static String label(InetSocketAddress address) {
        return "127.0.0.1:" + address.getPort();
    }

    /** A port on 127.0.0.1 with nothing listening: an upstream that is down. */
    private static InetSocketAddress deadUpstream() {
        return new InetSocketAddress("127.0.0.1", Peers.freePort());
    }

    @Test
    void digOverUdpGetsNsdsApexAddressAndTheFlowShowsBothSides() {
        DnsProxy proxy = proxyToNsd();

        DigResult r = Dig.dig(proxy.address(), "example.com.", "A");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as(r.raw()).contains("qr", "aa");
        assertThat(r.answers()).as(r.raw()).containsExactly(NsdServer.APEX_A);
        Flow flow = onlyFlow(proxy);
        assertThat(flow.query().id()).as("the id dig sent and got back").isEqualTo(r.id());
        assertThat(flow.query().name()).isEqualTo("example.com.");
        assertThat(flow.client().transport()).isEqualTo(Transport.UDP);
        assertThat(flow.client().ip()).isEqualTo("127.0.0.1");
        assertThat(flow.attempts()).hasSize(1);
        assertThat(flow.attempts().get(0).upstream()).isEqualTo(label(NSD.get().address()));
        assertThat(flow.attempts().get(0).transport()).isEqualTo(Transport.UDP);
        assertThat(flow.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ANSWERED);
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.response().addresses()).containsExactly(NsdServer.APEX_A);
    }

    /**
     * kdig takes several queries on one command line and, with {@code +keepopen}, sends them one
     * after the other over one TCP connection (sequential reuse, not several in flight at once).
     */
    @Test
    void kdigWithKeepopenGetsEveryAnswerOverOneTcpConnection() {
        DnsProxy proxy = proxyToNsd();

        List<KdigReply> replies = kdigMany(proxy.address(), List.of("+tcp", "+keepopen"),
                "example.com.", "A", "www.example.com.", "A", "foo.w.example.com.", "A");

        assertThat(replies).extracting(KdigReply::status).containsExactly("NOERROR", "NOERROR", "NOERROR");
        assertThat(replies.get(0).answers()).containsExactly(NsdServer.APEX_A);
        assertThat(replies.get(1).answers()).containsExactly("example.com.", NsdServer.APEX_A);
        assertThat(replies.get(2).answers()).containsExactly(NsdServer.WILDCARD_A);
        List<Flow> flows = flows(proxy);
        assertThat(flows).hasSize(3);
        assertThat(flows).extracting(f -> f.query().name())
                .containsExactlyInAnyOrder("example.com.", "www.example.com.", "foo.w.example.com.");
        assertThat(flows).extracting(f -> f.query().id())
                .containsExactlyInAnyOrderElementsOf(replies.stream().map(KdigReply::id).toList());
        assertThat(flows).extracting(f -> f.client().transport()).containsOnly(Transport.TCP);
        assertThat(flows).extracting(f -> f.client().port()).as("one client connection").containsOnly(flows.get(0).client().port());
        assertThat(flows).flatExtracting(Flow::attempts).extracting(Attempt::transport).containsOnly(Transport.TCP);
        assertThat(flows).extracting(Flow::outcome).containsOnly(Outcome.ANSWERED);
    }

    @Test
    void aTruncatedUdpAnswerIsPassedToDigWithTcSet() {
        DnsProxy proxy = proxyToNsd();

        DigResult r = Dig.dig(proxy.address(), "big.example.com.", "TXT", "+notcp", "+noedns", "+ignore");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as(r.raw()).contains("tc");
        Flow flow = onlyFlow(proxy);
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.TRUNCATED);
        assertThat(flow.response().truncated()).isTrue();
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void digRetriesOverTcpAfterTcAndGetsTheWholeBigTxt() {
        DnsProxy proxy = proxyToNsd();

        DigResult r = Dig.dig(proxy.address(), "big.example.com.", "TXT", "+noedns");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as(r.raw()).doesNotContain("tc");
        assertThat(r.answers()).as(r.raw()).containsExactly(BIG_TXT);
        List<Flow> flows = flows(proxy);
        assertThat(flows).as("dig's UDP query, then its TCP retry").hasSize(2);
        Flow tcp = flows.get(0);
        Flow udp = flows.get(1);
        assertThat(udp.client().transport()).isEqualTo(Transport.UDP);
        assertThat(udp.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.TRUNCATED);
        assertThat(udp.response().truncated()).isTrue();
        assertThat(tcp.client().transport()).isEqualTo(Transport.TCP);
        assertThat(tcp.query().id()).isEqualTo(r.id());
        assertThat(tcp.attempts()).extracting(Attempt::transport).containsExactly(Transport.TCP);
        assertThat(tcp.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(tcp.response().truncated()).isFalse();
    }

    @Test
    void withTcpOnTruncationAnEdns4096ClientGetsTheWholeBigTxtOverUdp() {
        DigResult direct = Dig.dig(NSD.get().address(), "big.example.com.", "TXT", "+bufsize=4096", "+ignore", "+notcp");
        assertThat(direct.flags()).as("precondition: NSD caps UDP answers below 4096\n" + direct.raw()).contains("tc");
        DnsProxy proxy = proxy(List.of(NSD.get().address()), f -> f.tcpOnTruncation(true));

        DigResult r = Dig.dig(proxy.address(), "big.example.com.", "TXT", "+bufsize=4096", "+ignore", "+notcp");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as(r.raw()).doesNotContain("tc");
        assertThat(r.answers()).as(r.raw()).containsExactly(BIG_TXT);
        Flow flow = onlyFlow(proxy);
        assertThat(flow.client().transport()).isEqualTo(Transport.UDP);
        assertThat(flow.query().ednsSize()).isEqualTo(4096);
        assertThat(flow.attempts()).extracting(Attempt::transport).containsExactly(Transport.UDP, Transport.TCP);
        assertThat(flow.attempts()).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.TRUNCATED, AttemptOutcome.ANSWERED);
        assertThat(flow.response().truncated()).isFalse();
    }

    @Test
    void anUnknownNameIsNxdomainForDigAndKdig() {
        DnsProxy proxy = proxyToNsd();

        DigResult dig = Dig.dig(proxy.address(), "unknown.example.com.", "A");
        DigResult kdig = Dig.kdig(proxy.address(), "unknown.example.com.", "A");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NXDOMAIN");
        assertThat(dig.answers()).as(dig.raw()).isEmpty();
        assertThat(kdig.status()).as(kdig.raw()).isEqualTo("NXDOMAIN");
        List<Flow> flows = flows(proxy);
        assertThat(flows).hasSize(2);
        assertThat(flows).extracting(Flow::outcome).containsOnly(Outcome.ANSWERED);
        assertThat(flows).extracting(f -> f.response().rcode()).containsOnly(Rcode.NXDOMAIN);
    }

    @Test
    void aDeadUpstreamGetsDigAServfailBeforeTheDeadline() {
        InetSocketAddress dead = deadUpstream();
        DnsProxy proxy = proxy(List.of(dead), f -> f);

        long start = System.nanoTime();
        DigResult r = Dig.dig(proxy.address(), "example.com.", "A", "+tries=1", "+time=3");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).as("after %d ms:%n%s", tookMillis, r.raw()).isEqualTo("SERVFAIL");
        assertThat(tookMillis).as("dig's own wall time, with the %s deadline%n%s", DEADLINE, r.raw()).isLessThan(1500);
        Flow flow = onlyFlow(proxy);
        assertThat(flow.outcome()).isEqualTo(Outcome.SERVFAIL);
        assertThat(flow.attempts()).isNotEmpty().extracting(Attempt::outcome).containsOnly(AttemptOutcome.TIMEOUT);
        assertThat(flow.attempts()).extracting(Attempt::upstream).containsOnly(label(dead));
    }

    @Test
    void failsOverFromADeadUpstreamToNsdAndThenGoesStraightToNsd() {
        InetSocketAddress dead = deadUpstream();
        DnsProxy proxy = proxy(List.of(dead, NSD.get().address()),
                f -> f.policy(Policy.SEQUENTIAL).health(1, Duration.ofSeconds(60)));

        DigResult first = Dig.dig(proxy.address(), "example.com.", "A");

        assertThat(first.status()).as(first.raw()).isEqualTo("NOERROR");
        assertThat(first.answers()).as(first.raw()).containsExactly(NsdServer.APEX_A);
        Flow failover = onlyFlow(proxy);
        assertThat(failover.attempts()).extracting(Attempt::upstream).containsExactly(label(dead), label(NSD.get().address()));
        assertThat(failover.attempts()).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.TIMEOUT, AttemptOutcome.ANSWERED);
        assertThat(proxy.forward().upstreams().get(0).isHealthy()).as("marked down after one failure").isFalse();

        DigResult second = Dig.dig(proxy.address(), "www.example.com.", "A");

        assertThat(second.status()).as(second.raw()).isEqualTo("NOERROR");
        List<Flow> flows = flows(proxy);
        assertThat(flows).hasSize(2);
        assertThat(flows.get(0).query().name()).isEqualTo("www.example.com.");
        assertThat(flows.get(0).attempts()).extracting(Attempt::upstream).containsExactly(label(NSD.get().address()));
        assertThat(flows.get(0).attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
    }

    /** CoreDNS's forward plugin probes with {@code . IN NS}, RD=1, no EDNS; NSD refuses the root. */
    @Test
    void corednsHealthProbeThroughDnsflowGetsNsdsAnswerNotATimeout() {
        DnsProxy proxy = proxyToNsd();

        DigResult r = Dig.dig(proxy.address(), ".", "NS", "+noedns");

        assertThat(r.status()).as(r.raw()).isNotEqualTo(DigResult.TIMEOUT)
                .as("SERVFAIL would be dnsflow giving up, not NSD answering").isNotEqualTo("SERVFAIL");
        Flow flow = onlyFlow(proxy);
        assertThat(flow.query().name()).isEqualTo(".");
        assertThat(flow.query().type()).isEqualTo(Type.NS);
        assertThat(flow.query().rd()).isTrue();
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(Rcode.string(flow.response().rcode())).isEqualTo(r.status());
    }

    /**
     * RCODE belongs to responses. Forwarded, such a query makes NSD answer FORMERR without the
     * question, which used to be taken for silence: a timeout, SERVFAIL after the deadline, and an
     * upstream marked down by any client that sent a few.
     */
    @Test
    void aQueryCarryingAnRcodeGetsFormerrAtTheDoorAndNsdStaysHealthy() {
        DnsProxy proxy = proxy(List.of(NSD.get().address()), f -> f.health(1, Duration.ofSeconds(60)));
        Message withRcode = Wire.query("example.com.", Type.A, 0x1234);
        withRcode.getHeader().setRcode(Rcode.REFUSED);
        byte[] query = Wire.bytes(withRcode);
        assertThat(Arrays.copyOf(query, 4)).as("the header of the report: 12 34 01 05").containsExactly(0x12, 0x34, 0x01, 0x05);

        for (int i = 0; i < 20; i++) {
            Message answer = DnsClient.udp(proxy.address(), query, (int) TIMEOUT.toMillis());
            assertThat(answer).as("answered within one attempt's timeout").isNotNull();
            assertThat(answer.getHeader().getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(answer.getQuestion().getName().toString()).isEqualTo("example.com.");
        }
        DigResult r = Dig.dig(proxy.address(), "example.com.", "A");

        assertThat(r.status()).as("NSD still serves through dnsflow\n" + r.raw()).isEqualTo("NOERROR");
        assertThat(proxy.forward().anyHealthy()).isTrue();
        assertThat(proxy.metrics().count("dnsflow.upstream.timeouts")).isZero();
        assertThat(flows(proxy)).filteredOn(f -> f.outcome() == Outcome.FORMERR).hasSize(20)
                .allSatisfy(f -> assertThat(f.attempts()).as("never sent upstream").isEmpty());
    }

    @Test
    void repliesFromAWrongPortWithAWrongIdOrQuestionAreIgnoredAndNsdsRealAnswerIsTaken() throws Exception {
        InetSocketAddress nsdAddress = NSD.get().address();
        ScriptedUpstream front = ScriptedUpstream.start((q, reply) -> {
            Message query = q.message();
            int id = query.getHeader().getID();
            reply.sendFromOtherPort(Wire.answer(query, "6.6.6.6").toWire());
            Message wrongId = Wire.answer(query, "6.6.6.7");
            wrongId.getHeader().setID(id ^ 0x5555);
            reply.send(wrongId);
            reply.send(Wire.answer(Wire.query("evil.example.", Type.A, id), "6.6.6.8"));
            reply.send(relay(q.bytes(), nsdAddress));
        });
        open.add(front);
        DnsProxy proxy = proxy(List.of(front.address()), f -> f.timeouts(Duration.ofSeconds(1), Duration.ofMillis(1800)));

        DigResult r = Dig.dig(proxy.address(), "example.com.", "A");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as("NSD's authoritative answer\n" + r.raw()).contains("aa");
        assertThat(r.answers()).as(r.raw()).containsExactly(NsdServer.APEX_A);
        var m = proxy.metrics();
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "wrong_source")).isEqualTo(1.0);
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "unknown_id")).isEqualTo(1.0);
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "question_mismatch")).isEqualTo(1.0);
        Flow flow = onlyFlow(proxy);
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(flow.response().addresses()).containsExactly(NsdServer.APEX_A);
        assertThat(front.received()).as("one query went upstream").hasSize(1);
    }

    /** Sends {@code query} over UDP as is to {@code server} and returns its reply. */
    private static byte[] relay(byte[] query, InetSocketAddress server) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2000);
            socket.send(new DatagramPacket(query, query.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            return Arrays.copyOf(buf, p.getLength());
        }
    }

    /** One reply in kdig's output. */
    record KdigReply(String status, int id, List<String> answers) {
    }

    private static final Pattern KDIG_HEADER =
            Pattern.compile("->>HEADER<<-\\s+opcode:\\s*\\S+?;\\s*status:\\s*([A-Z0-9]+);\\s*id:\\s*(\\d+)");

    /**
     * Runs kdig once with several {@code name type} pairs (kdig sends them in order, over one
     * connection with {@code +tcp +keepopen}) and parses each reply. {@link Dig} handles only one
     * query per run, hence this helper.
     */
    private static List<KdigReply> kdigMany(InetSocketAddress server, List<String> options, String... nameTypePairs) {
        List<String> cmd = new ArrayList<>(List.of(Peers.require("kdig").toString(),
                "@" + server.getAddress().getHostAddress(), "-p", Integer.toString(server.getPort()),
                "+retry=0", "+timeout=3"));
        cmd.addAll(options);
        cmd.addAll(List.of(nameTypePairs));
        String output;
        Path out = null;
        try {
            out = Files.createTempFile("dnsflow-kdig-", ".out");
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("hung: " + cmd);
            }
            output = Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
        List<KdigReply> replies = new ArrayList<>();
        String[] blocks = output.split("(?m)^(?=;; ->>HEADER<<-)");
        for (String block : blocks) {
            Matcher header = KDIG_HEADER.matcher(block);
            if (!header.find()) {
                continue;
            }
            replies.add(new KdigReply(header.group(1), Integer.parseInt(header.group(2)), Dig.answers(block)));
        }
        assertThat(replies).as("one reply per query in:\n" + output).hasSize(nameTypePairs.length / 2);
        return replies;
    }
}
