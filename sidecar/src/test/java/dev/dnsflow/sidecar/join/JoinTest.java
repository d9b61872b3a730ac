package dev.dnsflow.sidecar.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.Destination;
import dev.dnsflow.dnstap.DnstapEncoder;
import dev.dnsflow.dnstap.FrameStreamsWriter;
import dev.dnsflow.dnstap.proto.Message.Type;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.sidecar.FrameStreamsReceiver;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * The sidecar's join, driven by a producer that emits exactly what CoreDNS's dnstap plugin emits
 * (CLIENT_QUERY, FORWARDER_QUERY/RESPONSE with the pod's original ID, CLIENT_RESPONSE) through real
 * Frame Streams, while the test plays CoreDNS's forward plugin towards dnsflow.
 */
class JoinTest {
    private static final long WINDOW_MS = 2000;
    private ScriptedUpstream upstream;
    private DnsProxy proxy;
    private FrameStreamsReceiver receiver;
    private FrameStreamsWriter coredns;
    private final DnstapEncoder encoder = DnstapEncoder.of("coredns-0", "CoreDNS-1.11.3");

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .eventLoops(1).flags(dev.dnsflow.plan.Flags.of(java.util.Map.of("--hand-off-from", "127.0.0.1/32,10.0.0.0/24"))).build());
        Joiner joiner = new Joiner(Duration.ofMillis(WINDOW_MS), 10_000, new SimpleMeterRegistry());
        proxy.recorder().enricher(joiner);
        receiver = new FrameStreamsReceiver("tcp:127.0.0.1:0", joiner::offer);
        int port = ((InetSocketAddress) receiver.address()).getPort();
        coredns = new FrameStreamsWriter(Destination.parse("tcp:127.0.0.1:" + port), 10_000, null);
    }

    @AfterEach
    void stop() {
        coredns.close();
        receiver.close();
        proxy.close();
        upstream.close();
    }

    /** CoreDNS's dnstap message about pod {@code ip:port} asking {@code name} with its own ID. */
    private void emit(Type type, String ip, int port, String name, int podId, boolean response) throws Exception {
        Message m = Wire.query(name, org.xbill.DNS.Type.A, podId);
        byte[] wire = response ? Wire.answer(m, "192.0.2.1").toWire() : m.toWire();
        long now = dev.dnsflow.flow.WallClock.nowEpochNanos();
        DnstapEncoder.Entry e = encoder.message(type).protocol(SocketProtocol.UDP)
                .queryAddress(InetAddress.getByName(ip).getAddress(), port).responseAddress(new byte[] {10, 96, 0, 10}, 53)
                .queryTime(now);
        coredns.offer((response ? e.responseTime(now).responseMessage(wire) : e.queryMessage(wire)).encode());
    }

    /** What CoreDNS's forward plugin sends dnsflow: a fresh random ID and, via rewrite, the pod's address. */
    private Message forward(String name, int corednsId, String podIp, int podPort) throws Exception {
        Message q = Wire.query(name, org.xbill.DNS.Type.A, corednsId);
        q.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(new GenericEDNSOption(65518, InetAddress.getByName(podIp).getAddress()),
                new GenericEDNSOption(65519, new byte[] {(byte) (podPort >> 8), (byte) podPort}))), Section.ADDITIONAL);
        return DnsClient.udp(proxy.address(), q);
    }

    private Flow await(Predicate<Flow> which) throws InterruptedException {
        long until = System.currentTimeMillis() + 4 * WINDOW_MS + 2000;
        while (System.currentTimeMillis() < until) {
            proxy.recorder().drain(500);
            List<Flow> found = proxy.ring().newest(100, which);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such flow among " + proxy.ring().size() + " flows");
    }

    @Test
    void aForwardedQueryHoldsAllThreeIds() throws Exception {
        awaitConnected();
        emit(Type.CLIENT_QUERY, "10.244.1.5", 40000, "example.com.", 111, false);
        emit(Type.FORWARDER_QUERY, "10.244.1.5", 40000, "example.com.", 111, false);
        Message answer = forward("example.com.", 5555, "10.244.1.5", 40000);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        emit(Type.FORWARDER_RESPONSE, "10.244.1.5", 40000, "example.com.", 111, true);
        emit(Type.CLIENT_RESPONSE, "10.244.1.5", 40000, "example.com.", 111, true);

        Flow f = await(x -> x.get(CorednsSide.KEY) != null);
        assertThat(f.origin().id()).as("the pod's own ID").isEqualTo(111);
        assertThat(f.query().id()).as("the ID CoreDNS used").isEqualTo(5555);
        assertThat(f.attempts().get(0).id()).as("the ID sent upstream").isNotEqualTo(5555);
        assertThat(f.origin().ip()).isEqualTo("10.244.1.5");
        assertThat(f.get(CorednsSide.KEY).forwarded()).isTrue();
        assertThat(f.get(CorednsSide.KEY).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(f.get(CorednsSide.KEY).respondedEpochNanos()).isGreaterThan(f.get(CorednsSide.KEY).receivedEpochNanos());
        assertThat(f.outcome()).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void aQueryCorednsAnsweredItselfBecomesAFlowOfItsOwn() throws Exception {
        awaitConnected();
        emit(Type.CLIENT_QUERY, "10.244.1.6", 41000, "kubernetes.default.svc.cluster.local.", 222, false);
        emit(Type.CLIENT_RESPONSE, "10.244.1.6", 41000, "kubernetes.default.svc.cluster.local.", 222, true);
        Flow f = await(x -> x.outcome() == Outcome.ANSWERED_AT_COREDNS);
        assertThat(f.query().name()).isEqualTo("kubernetes.default.svc.cluster.local.");
        assertThat(f.origin().id()).isEqualTo(222);
        assertThat(f.origin().source()).isEqualTo("dnstap");
        assertThat(f.get(CorednsSide.KEY).forwarded()).isFalse();
        assertThat(f.attempts()).isEmpty();
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aQueryCorednsNeverAnsweredIsReportedAfterTheWindow() throws Exception {
        awaitConnected();
        emit(Type.CLIENT_QUERY, "10.244.1.7", 42000, "lost.example.com.", 333, false);
        Flow f = await(x -> x.outcome() == Outcome.UNANSWERED_AT_COREDNS);
        assertThat(f.query().name()).isEqualTo("lost.example.com.");
        assertThat(f.get(CorednsSide.KEY).respondedEpochNanos()).isZero();
        assertThat(f.response()).isNull();
    }

    @Test
    void manyPodsAskingTheSameNameAtOnceEachGetTheirOwnId() throws Exception {
        awaitConnected();
        int pods = 20;
        for (int i = 0; i < pods; i++) {
            emit(Type.CLIENT_QUERY, "10.244.2." + i, 50000 + i, "same.example.com.", 1000 + i, false);
            emit(Type.FORWARDER_QUERY, "10.244.2." + i, 50000 + i, "same.example.com.", 1000 + i, false);
        }
        for (int i = pods - 1; i >= 0; i--) {
            forward("same.example.com.", 7000 + i, "10.244.2." + i, 50000 + i);
        }
        for (int i = 0; i < pods; i++) {
            emit(Type.CLIENT_RESPONSE, "10.244.2." + i, 50000 + i, "same.example.com.", 1000 + i, true);
        }
        for (int i = 0; i < pods; i++) {
            int pod = i;
            Flow f = await(x -> x.get(CorednsSide.KEY) != null && x.query().id() == 7000 + pod);
            assertThat(f.origin().id()).isEqualTo(1000 + pod);
            assertThat(f.origin().ip()).isEqualTo("10.244.2." + pod);
        }
    }

    @Test
    void aFlowWithoutClientContextJoinsByQuestionAndTime() throws Exception {
        awaitConnected();
        emit(Type.CLIENT_QUERY, "10.244.3.3", 43000, "plain.example.com.", 444, false);
        emit(Type.FORWARDER_QUERY, "10.244.3.3", 43000, "plain.example.com.", 444, false);
        DnsClient.udp(proxy.address(), Wire.query("plain.example.com.", org.xbill.DNS.Type.A, 6666));
        emit(Type.CLIENT_RESPONSE, "10.244.3.3", 43000, "plain.example.com.", 444, true);
        Flow f = await(x -> x.get(CorednsSide.KEY) != null);
        assertThat(f.origin().source()).isEqualTo("dnstap");
        assertThat(f.origin().id()).isEqualTo(444);
        assertThat(f.query().id()).isEqualTo(6666);
    }

    @Test
    void aHandOffFromTheNodeJoinsByQuestionAndTimeAndKeepsThePodsOwnId() throws Exception {
        awaitConnected();
        // CoreDNS's client is the node's dnsflow (10.0.0.4); the hand-off names the pod behind it.
        emit(Type.CLIENT_QUERY, "10.0.0.4", 38000, "node.example.com.", 4444, false);
        emit(Type.FORWARDER_QUERY, "10.0.0.4", 38000, "node.example.com.", 4444, false);
        Message q = Wire.query("node.example.com.", org.xbill.DNS.Type.A, 6001);
        q.addRecord(new OPTRecord(512, 0, 0, 0, List.of(
                new GenericEDNSOption(65523, InetAddress.getByName("10.244.9.9").getAddress()),
                new GenericEDNSOption(65524, new byte[] {(byte) 0xC3, 0x51}),
                new GenericEDNSOption(65525, new byte[] {0x00, 0x2A}),
                new GenericEDNSOption(65526, "01M8YBC7XE0Q30000000000003".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                new GenericEDNSOption(65527, "worker-1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))), Section.ADDITIONAL);
        DnsClient.udp(proxy.address(), q);
        emit(Type.CLIENT_RESPONSE, "10.0.0.4", 38000, "node.example.com.", 4444, true);

        Flow f = await(x -> x.get(CorednsSide.KEY) != null);
        assertThat(f.origin().source()).isEqualTo("nodelocal");
        assertThat(f.origin().ip()).isEqualTo("10.244.9.9");
        assertThat(f.origin().id()).as("the pod's ID, not the node dnsflow's ID CoreDNS saw").isEqualTo(42);
        assertThat(f.get(dev.dnsflow.handoff.Via.KEY).flow()).isEqualTo("01M8YBC7XE0Q30000000000003");
        assertThat(f.outcome()).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void handOffsFromSeveralNodesForOneNameJoinByTheNodesAddressAndPortNotByAge() throws Exception {
        awaitConnected();
        // Two nodes ask CoreDNS the same name; CoreDNS's dnstap sees node A first, but node B's query reaches us first.
        emit(Type.CLIENT_QUERY, "10.0.0.4", 38001, "twonodes.example.com.", 501, false);
        emit(Type.FORWARDER_QUERY, "10.0.0.4", 38001, "twonodes.example.com.", 501, false);
        Thread.sleep(5);
        emit(Type.CLIENT_QUERY, "10.0.0.5", 38002, "twonodes.example.com.", 502, false);
        emit(Type.FORWARDER_QUERY, "10.0.0.5", 38002, "twonodes.example.com.", 502, false);
        DnsClient.udp(proxy.address(), handedOff("twonodes.example.com.", 7102, "10.0.0.5", 38002, "FLOWB"));
        DnsClient.udp(proxy.address(), handedOff("twonodes.example.com.", 7101, "10.0.0.4", 38001, "FLOWA"));
        emit(Type.CLIENT_RESPONSE, "10.0.0.4", 38001, "twonodes.example.com.", 501, true);
        emit(Type.CLIENT_RESPONSE, "10.0.0.5", 38002, "twonodes.example.com.", 502, true);

        Flow a = await(x -> x.get(CorednsSide.KEY) != null && x.get(dev.dnsflow.handoff.Via.KEY) != null
                && x.get(dev.dnsflow.handoff.Via.KEY).flow().equals("FLOWA"));
        Flow b = await(x -> x.get(CorednsSide.KEY) != null && x.get(dev.dnsflow.handoff.Via.KEY) != null
                && x.get(dev.dnsflow.handoff.Via.KEY).flow().equals("FLOWB"));
        assertThat(a.get(dev.dnsflow.handoff.Via.KEY).addr()).isEqualTo("10.0.0.4");
        assertThat(a.get(dev.dnsflow.handoff.Via.KEY).port()).isEqualTo(38001);
        assertThat(a.get(CorednsSide.KEY).receivedEpochNanos()).as("A's flow joined to A's query at CoreDNS, the older one")
                .isLessThan(b.get(CorednsSide.KEY).receivedEpochNanos());
    }

    /** A query as CoreDNS forwards it from a node's dnsflow: rewrite's client (the node) and the node's hand-off. */
    private static Message handedOff(String name, int corednsId, String nodeIp, int nodePort, String nodeFlow) throws Exception {
        Message q = Wire.query(name, org.xbill.DNS.Type.A, corednsId);
        q.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(
                new GenericEDNSOption(65518, InetAddress.getByName(nodeIp).getAddress()),
                new GenericEDNSOption(65519, new byte[] {(byte) (nodePort >> 8), (byte) nodePort}),
                new GenericEDNSOption(65523, InetAddress.getByName("10.244.7.7").getAddress()),
                new GenericEDNSOption(65524, new byte[] {(byte) 0xC3, 0x50}),
                new GenericEDNSOption(65525, new byte[] {0x00, 0x07}),
                new GenericEDNSOption(65526, nodeFlow.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))), Section.ADDITIONAL);
        return q;
    }

    private void awaitConnected() throws InterruptedException {
        long until = System.currentTimeMillis() + 5000;
        while (!coredns.connected() && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
        assertThat(coredns.connected()).as("the producer completed the Frame Streams handshake").isTrue();
    }
}
