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
                .eventLoops(1).build());
        node = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(receiving.address()))
                .eventLoops(1).flags(Flags.of(Map.of("--hand-off", "on", "--node-name", "worker-1"))).build());
    }

    @AfterEach
    void stop() {
        node.close();
        receiving.close();
        upstream.close();
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
    void handOffCodesAreParsedAndMayNotShareACodeWithEachOtherOrWithClientContext() {
        assertThat(HandOffCodes.parse("flow=0xfff0, node=65000")).isEqualTo(new HandOffCodes(65523, 65524, 65525, 0xfff0, 65000));
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
