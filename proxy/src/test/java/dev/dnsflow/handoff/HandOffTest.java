package dev.dnsflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Two dnsflows in a row, the first with {@code --hand-off}: the second names the pod and the first's flow. */
class HandOffTest {
    private ScriptedUpstream upstream;
    private DnsProxy receiving;
    private DnsProxy node;

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
        receiving = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .eventLoops(1).flags(Flags.of(Map.of("--hand-off-from", "127.0.0.0/8"))).build());
        node = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(receiving.address()))
                .eventLoops(1).flags(Flags.of(Map.of("--hand-off", "on", "--node-name", "worker-1", "--hand-off-zones", ".")))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        receiving.close();
        upstream.close();
        for (int i = extra.size() - 1; i >= 0; i--) {
            extra.get(i).close();
        }
    }

    private final List<AutoCloseable> extra = new java.util.ArrayList<>();

    private DnsProxy proxy(List<InetSocketAddress> upstreams, Map<String, String> flags) throws Exception {
        DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), upstreams)
                .eventLoops(1).flags(Flags.of(flags)).build());
        extra.add(p::close);
        return p;
    }

    /** The hand-off's options and ECS, as a pod could write them itself. */
    private static List<org.xbill.DNS.EDNSOption> forgedHandOff() throws Exception {
        HandOffCodes c = HandOffCodes.DEFAULT;
        return List.of(new GenericEDNSOption(c.clientIp(), new byte[] {10, 6, 6, 6}),
                new GenericEDNSOption(c.clientPort(), new byte[] {0, 53}),
                new GenericEDNSOption(c.queryId(), new byte[] {0, 1}),
                new GenericEDNSOption(c.flow(), "FORGED".getBytes()),
                new GenericEDNSOption(c.node(), "other-node".getBytes()),
                new org.xbill.DNS.ClientSubnetOption(32, java.net.InetAddress.getByName("198.51.100.7")));
    }

    private static boolean anyHandOffOption(Message m) {
        return m.getOPT() != null && m.getOPT().getOptions().stream().anyMatch(o -> HandOffCodes.DEFAULT.isHandOff(o.getCode()));
    }

    private static Flow last(DnsProxy proxy) {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(1, f -> true).get(0);
    }

    @Test
    void theReceivingFlowNamesThePodItsQueryIdAndTheNodesFlowAndTheUpstreamSeesThePodsQuery() throws Exception {
        Message q = Wire.query("example.com.", Type.A, 4242);

        Message answer = DnsClient.udp(node.address(), q);

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getOPT()).as("no OPT for a pod that sent none").isNull();
        Flow first = last(node);
        Flow second = last(receiving);
        assertThat(second.origin().source()).isEqualTo("nodelocal");
        assertThat(second.origin().ip()).isEqualTo("127.0.0.1");
        assertThat(second.origin().port()).isEqualTo(first.client().port());
        assertThat(second.origin().id()).isEqualTo(4242);
        assertThat(second.get(Via.KEY)).isEqualTo(new Via("worker-1", first.id()));
        assertThat(FlowJson.toJson(second)).contains("\"via\":{\"nodelocal\":{\"node\":\"worker-1\",\"flow\":\"" + first.id() + "\"}}");
        assertThat(first.get(Via.KEY)).isNull();
        assertThat(first.get(HandOffMark.KEY)).isEqualTo(new HandOffMark("worker-1"));
        assertThat(FlowJson.toJson(first)).contains("\"hand_off\":{\"node\":\"worker-1\"}");
        assertThat(second.get(HandOffMark.KEY)).as("the receiving side does not hand off").isNull();
        byte[] seen = upstream.received().get(0).bytes();
        byte[] sent = q.toWire();
        assertThat(seen.length).isEqualTo(sent.length);
        assertThat(java.util.Arrays.copyOfRange(seen, 2, seen.length)).as("all but the ID: the pod's query")
                .isEqualTo(java.util.Arrays.copyOfRange(sent, 2, sent.length));
    }

    @Test
    void overTcpAFrameThatCannotGrowIsCopiedAndThePodsOptKeepsItsOwnOptions() throws Exception {
        Message q = Wire.query("example.com.", Type.A, 77);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(10, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))),
                Section.ADDITIONAL);
        try (DnsClient.Tcp tcp = new DnsClient.Tcp(node.address())) {
            tcp.send(q.toWire());
            assertThat(tcp.read().getRcode()).isEqualTo(Rcode.NOERROR);
        }
        Flow second = last(receiving);
        assertThat(second.origin().id()).isEqualTo(77);
        assertThat(second.get(Via.KEY).flow()).isEqualTo(last(node).id());
        byte[] seen = upstream.received().get(0).bytes();
        byte[] sent = q.toWire();
        assertThat(java.util.Arrays.copyOfRange(seen, 2, seen.length)).isEqualTo(java.util.Arrays.copyOfRange(sent, 2, sent.length));
    }

    @Test
    void aQueryNearCorednssUdpLimitLosesTheNodeNameThenTheHandOffButNeverGoesOver512Bytes() throws Exception {
        String label = "a".repeat(63);
        String name = label + "." + label + "." + label + ".example.com."; // 456 bytes with the padding, 476 with more
        Message roomForNoNode = Wire.query(name, Type.A, 11);
        roomForNoNode.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(12, new byte[220]))), Section.ADDITIONAL);
        Message noRoom = Wire.query(name, Type.A, 12);
        noRoom.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(12, new byte[240]))), Section.ADDITIONAL);

        assertThat(DnsClient.udp(node.address(), roomForNoNode).getRcode()).isEqualTo(Rcode.NOERROR);
        Flow withoutNode = last(receiving);
        assertThat(withoutNode.get(Via.KEY)).isEqualTo(new Via(null, last(node).id()));
        assertThat(withoutNode.query().size()).isLessThanOrEqualTo(HandOffStage.MAX_QUERY);

        assertThat(DnsClient.udp(node.address(), noRoom).getRcode()).isEqualTo(Rcode.NOERROR);
        Flow without = last(receiving);
        assertThat(without.get(Via.KEY)).isNull();
        assertThat(without.origin()).isNull();
        assertThat(node.metrics().count("dnsflow.handoff.skipped")).isEqualTo(1.0);
    }

    @Test
    void aPodCannotForgeItsOriginThroughTheNodeTheReceivingSideNamesTheRealSender() throws Exception {
        Message q = Wire.query("example.com.", Type.A, 31);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, forgedHandOff()), Section.ADDITIONAL);

        assertThat(DnsClient.udp(node.address(), q).getRcode()).isEqualTo(Rcode.NOERROR);

        Flow first = last(node);
        Flow second = last(receiving);
        assertThat(first.get(Via.KEY)).as("the node believes no hand-off from a pod").isNull();
        assertThat(node.metrics().count("dnsflow.handoff.untrusted")).isEqualTo(1.0);
        assertThat(second.origin().source()).isEqualTo("nodelocal");
        assertThat(second.origin().ip()).as("the packet's sender, not the pod's 65523 or its ECS").isEqualTo("127.0.0.1");
        assertThat(second.origin().port()).isEqualTo(first.client().port());
        assertThat(second.get(Via.KEY)).isEqualTo(new Via("worker-1", first.id()));
        assertThat(anyHandOffOption(upstream.received().get(0).message())).isFalse();
    }

    @Test
    void byDefaultTheReceivingSideBelievesNoHandOffItStripsAndCountsIt() throws Exception {
        DnsProxy plain = proxy(List.of(upstream.address()), Map.of());
        Message q = Wire.query("example.com.", Type.A, 32);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, forgedHandOff().subList(0, 5)), Section.ADDITIONAL);

        assertThat(DnsClient.udp(plain.address(), q).getRcode()).isEqualTo(Rcode.NOERROR);

        Flow flow = last(plain);
        assertThat(flow.origin()).isNull();
        assertThat(flow.get(Via.KEY)).isNull();
        assertThat(plain.metrics().count("dnsflow.handoff.untrusted")).isEqualTo(1.0);
        assertThat(anyHandOffOption(upstream.received().get(0).message())).as("stripped all the same").isFalse();
    }

    @Test
    void theHopCorednssRewriteNamesDecidesWhetherTheHandOffIsBelieved() throws Exception {
        DnsProxy behindCoredns = proxy(List.of(upstream.address()), Map.of("--hand-off-from", "10.0.0.4/32,fd00::/64"));
        for (String hop : List.of("10.0.0.4", "10.0.0.5")) {
            Message q = Wire.query("example.com.", Type.A, 33);
            List<org.xbill.DNS.EDNSOption> options = new java.util.ArrayList<>(forgedHandOff().subList(0, 5));
            // What CoreDNS's `rewrite edns0 local set 0xffee {client_ip}` adds: the node that sent it the query.
            options.add(new GenericEDNSOption(0xffee, java.net.InetAddress.getByName(hop).getAddress()));
            q.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
            assertThat(DnsClient.udp(behindCoredns.address(), q).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        behindCoredns.recorder().drain(2000);
        List<Flow> flows = behindCoredns.ring().newest(2, f -> true);
        Flow fromNode = flows.get(1);
        Flow fromElsewhere = flows.get(0);
        assertThat(fromNode.origin().source()).isEqualTo("nodelocal");
        assertThat(fromNode.origin().ip()).isEqualTo("10.6.6.6");
        assertThat(fromNode.get(Via.KEY)).as("the hop kept for the join").isEqualTo(new Via("other-node", "FORGED", "10.0.0.4", 0));
        assertThat(fromElsewhere.origin().source()).as("the rewrite's client stays the origin").isEqualTo("edns0-local");
        assertThat(fromElsewhere.origin().ip()).isEqualTo("10.0.0.5");
        assertThat(fromElsewhere.get(Via.KEY)).isNull();
        assertThat(behindCoredns.metrics().count("dnsflow.handoff.untrusted")).isEqualTo(1.0);
    }

    @Test
    void aDnsflowThatHandsOffRefusesHandOffFrom() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> proxy(List.of(upstream.address()),
                        Map.of("--hand-off", "on", "--hand-off-from", "10.0.0.0/8")))
                .hasMessageContaining("--hand-off-from");
    }

    @Test
    void anUpstreamThatEchoesOptionsHandsNeitherTheHandOffNorAnOptThePodDidNotSendBack() throws Exception {
        // An upstream that adds an OPT to every EDNS answer, echoing the query's options (as some do).
        upstream.script(ScriptedUpstream.answering(query -> {
            Message a = Wire.answer(query, "192.0.2.1");
            if (query.getOPT() != null) {
                a.addRecord(new OPTRecord(1232, 0, 0, 0, query.getOPT().getOptions()), Section.ADDITIONAL);
            }
            return a;
        }));
        DnsProxy straight = proxy(List.of(upstream.address()), Map.of("--hand-off", "on", "--hand-off-zones", "."));

        Message noOpt = DnsClient.udp(straight.address(), Wire.query("example.com.", Type.A, 34));
        assertThat(noOpt.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(noOpt.getOPT()).as("RFC 6891 7: no OPT in the answer to a query without one").isNull();
        assertThat(noOpt.getSectionArray(Section.ADDITIONAL)).isEmpty();

        Message q = Wire.query("example.com.", Type.A, 35);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(10, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))),
                Section.ADDITIONAL);
        Message withOpt = DnsClient.udp(straight.address(), q);
        assertThat(withOpt.getOPT()).isNotNull();
        assertThat(anyHandOffOption(withOpt)).as("the hand-off is not handed back to the pod").isFalse();
        assertThat(withOpt.getOPT().getOptions()).extracting(org.xbill.DNS.EDNSOption::getCode).containsExactly(10);
    }

    @Test
    void byDefaultOnlyQueriesForTheClusterZonesCarryTheHandOff() throws Exception {
        DnsProxy defaults = proxy(List.of(receiving.address()), Map.of("--hand-off", "on", "--node-name", "worker-2"));

        assertThat(DnsClient.udp(defaults.address(), Wire.query("example.com.", Type.A, 36)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(last(receiving).get(Via.KEY)).as("the pod's address stays in the cluster").isNull();
        assertThat(DnsClient.udp(defaults.address(), Wire.query("x.svc.CLUSTER.local.", Type.A, 37)).getRcode())
                .isEqualTo(Rcode.NOERROR);
        assertThat(last(receiving).get(Via.KEY)).isEqualTo(new Via("worker-2", last(defaults).id()));
        assertThat(DnsClient.udp(defaults.address(), Wire.query("notcluster.local.", Type.A, 38)).getRcode())
                .isEqualTo(Rcode.NOERROR);
        assertThat(last(receiving).get(Via.KEY)).as("on label boundaries").isNull();
        assertThat(DnsClient.udp(defaults.address(), Wire.query("4.0.0.10.in-addr.arpa.", Type.PTR, 39)).getRcode())
                .isEqualTo(Rcode.NOERROR);
        assertThat(last(receiving).get(Via.KEY)).isNotNull();
    }

    @Test
    void handOffCodesAreParsedAndMayNotShareACodeWithEachOtherOrWithClientContext() {
        assertThat(HandOffCodes.parse("flow=0xfff0, node=65001")).isEqualTo(new HandOffCodes(65523, 65524, 65525, 0xfff0, 65001));
        for (String outside : List.of("node=65000", "node=65535", "node=10", "node=8")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HandOffCodes.parse(outside))
                    .as(outside).hasMessageContaining("65001 to 65534");
        }
        assertThat(HandOffCodes.parse("")).isEqualTo(HandOffCodes.DEFAULT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HandOffCodes.parse("flow=65523"))
                .hasMessageContaining("both use code 65523");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HandOffCodes.parse("pod=65000"))
                .hasMessageContaining("'pod' is not a hand-off field");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DnsProxy.start(ProxyConfig.builder(
                        new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address())).eventLoops(1)
                        .flags(Flags.of(Map.of("--hand-off-option", "client_ip=65518"))).build()))
                .hasMessageContaining("--hand-off-option: code 65518 is also a --context-option code");
    }

    @Test
    void aMalformedHandOffIsCountedAndTheQueryServedWithoutIt() throws Exception {
        Message q = Wire.query("example.com.", Type.A, 5);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(HandOffCodes.DEFAULT.clientIp(), new byte[] {1, 2, 3}),
                new GenericEDNSOption(HandOffCodes.DEFAULT.flow(), "F".getBytes()))), Section.ADDITIONAL);

        assertThat(DnsClient.udp(receiving.address(), q).getRcode()).isEqualTo(Rcode.NOERROR);

        Flow flow = last(receiving);
        assertThat(flow.origin()).isNull();
        assertThat(flow.get(Via.KEY)).isNull();
        assertThat(receiving.metrics().count("dnsflow.handoff.malformed")).isEqualTo(1.0);
        assertThat(upstream.received().get(0).message().getOPT().getOptions()).as("stripped all the same").isEmpty();
    }
}
