package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.DnsdistServer;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.sidecar.FrameStreamsReceiver;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One query across both hops with real software on loopback: dig → dnsflow with {@code --hand-off} (in
 * nodelocal's place) → dnsdist (in CoreDNS's place: like CoreDNS's forward it passes the client's OPT options
 * on) → dnsflow (the one behind CoreDNS) → NSD. The second dnsflow's flow names dig as the pod and the first
 * dnsflow's flow; the options never reach NSD; and {@code diagnose} over both admin APIs says where a query died:
 * a chaos drop at the node ({@code dropped_at_nodelocal}), a drop rule in dnsdist
 * ({@code lost_between_nodelocal_and_coredns}), an answer lost upstream of the CoreDNS side (its chaos
 * {@code upstream-drop}: {@code chaos}, never one of the node hop's verdicts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandOffPeersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final String suffix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    private final String ok = "ok" + suffix + ".w.example.com.";
    private final String atNode = "node" + suffix + ".w.example.com.";
    private final String atDnsdist = "dd" + suffix + ".w.example.com.";
    private final String upstream = "up" + suffix + ".w.example.com.";
    private DnsProxy node;
    private DnsProxy coredns;
    private DnsdistServer dnsdist;
    /** What the dnsflow behind CoreDNS sent NSD, byte for byte: its dnstap FORWARDER_QUERY messages. */
    private final List<Dnstap> taps = new CopyOnWriteArrayList<>();
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        Peers.require("dig");
        NsdServer nsd = NsdServer.start();
        open.add(nsd);
        dir = Files.createTempDirectory("dnsflow-handoff-peers-");
        Path socket = dir.resolve("dnstap.sock");
        open.add(new FrameStreamsReceiver("unix:" + socket, frame -> {
            try {
                taps.add(Dnstap.parseFrom(frame));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        // Behind CoreDNS: short attempts to NSD, so it answers (SERVFAIL) before the node gives up on it.
        coredns = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(nsd.address()))
                .forward(ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(200), Duration.ofMillis(600))
                        .health(1000, Duration.ofSeconds(60)).build())
                .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1).dnstap("unix:" + socket, "coredns-side")
                .chaos(null, List.of("upstream-drop name=" + upstream + " rule=lost-upstream"))
                .flags(Flags.of(Map.of("--hand-off-from", "127.0.0.0/8"))).build());
        open.add(coredns);
        dnsdist = DnsdistServer.forwardingTo(coredns.address())
                .lua("addAction(QNameRule(\"" + atDnsdist + "\"), DropAction())").start();
        open.add(dnsdist);
        node = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(dnsdist.address()))
                .forward(ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(1200), Duration.ofMillis(2000))
                        .health(1000, Duration.ofSeconds(60)).build())
                .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1)
                .chaos(null, List.of("drop name=" + atNode + " rule=drop-at-node"))
                .flags(Flags.of(Map.of("--hand-off", "on", "--node-name", "worker-1", "--hand-off-zones", "."))).build());
        open.add(node);
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The query the dnsflow behind CoreDNS sent NSD for {@code name}, from its dnstap, as NSD received it. */
    private Message sentToNsd(String name) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L; // dnstap flushes at least every second
        while (System.nanoTime() < until) {
            for (Dnstap d : taps) {
                dev.dnsflow.dnstap.proto.Message m = d.getMessage();
                if (m.getType() == dev.dnsflow.dnstap.proto.Message.Type.FORWARDER_QUERY) {
                    Message q = Wire.parse(m.getQueryMessage().toByteArray());
                    if (q.getQuestion().getName().toString().equalsIgnoreCase(name)) {
                        return q;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no FORWARDER_QUERY for " + name + " among " + taps.size() + " dnstap messages");
    }

    private static Flow only(DnsProxy proxy, String name) {
        proxy.recorder().drain(2000);
        List<Flow> flows = proxy.ring().newest(10, f -> name.equalsIgnoreCase(f.query().name()));
        assertThat(flows).as("flows for %s", name).hasSize(1);
        return flows.get(0);
    }

    private String admin(DnsProxy proxy) {
        return "http://127.0.0.1:" + proxy.adminAddress().getPort();
    }

    private JsonNode diagnose(String name) throws Exception {
        node.recorder().drain(2000);
        coredns.recorder().drain(2000);
        CliRun r = CliRun.of(new DiagnoseCommand(), "--server", admin(node), "--server", admin(coredns), "--name", name,
                "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.lines()).as(r.out() + r.err()).hasSize(1);
        return JSON.readTree(r.lines().get(0));
    }

    @Test
    void theFlowBehindCorednsNamesDigAndTheNodesFlowAndNsdNeverSeesTheOptions() throws Exception {
        // +noedns: dig sends no OPT, so the hand-off adds one; had any of it reached NSD, NSD would answer with an OPT.
        DigResult dig = Dig.dig(node.address(), ok, "A", "+noedns");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
        assertThat(dig.answers()).containsExactly(NsdServer.WILDCARD_A);
        assertThat(dig.raw()).as("NSD got the query without any OPT: its answer has none").doesNotContain("OPT PSEUDOSECTION");
        assertThat(sentToNsd(ok).getOPT()).as("the OPT the hand-off added is gone before NSD").isNull();
        Flow first = only(node, ok);
        Flow second = only(coredns, ok);
        assertThat(first.client().ip()).isEqualTo("127.0.0.1");
        assertThat(first.get(HandOffMark.KEY)).isEqualTo(new HandOffMark("worker-1"));
        assertThat(second.client().port()).as("the packet came from dnsdist").isNotEqualTo(first.client().port());
        assertThat(second.origin().source()).isEqualTo("nodelocal");
        assertThat(second.origin().ip()).isEqualTo(first.client().ip());
        assertThat(second.origin().port()).as("dig's port").isEqualTo(first.client().port());
        assertThat(second.origin().id()).as("dig's ID").isEqualTo(dig.id());
        assertThat(second.get(Via.KEY)).isEqualTo(new Via("worker-1", first.id()));
        assertThat(FlowJson.toJson(second)).contains("\"via\":{\"nodelocal\":{\"node\":\"worker-1\",\"flow\":\"" + first.id() + "\"}}");

        JsonNode healthy = diagnose(ok);
        assertThat(healthy.path("verdict").asText()).as(healthy.toString()).isEqualTo("healthy");
    }

    @Test
    void withEdnsFromDigTheOptionsAreStrippedAndDigsOwnOptStaysItsOwn() throws Exception {
        DigResult dig = Dig.dig(node.address(), "e" + ok, "A", "+bufsize=1232", "+nocookie");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
        assertThat(dig.raw()).as("NSD answers the OPT dig sent").contains("OPT PSEUDOSECTION");
        OPTRecord opt = sentToNsd("e" + ok).getOPT();
        assertThat(opt).as("dig's own OPT goes on").isNotNull();
        assertThat(opt.getPayloadSize()).isEqualTo(1232);
        assertThat(opt.getOptions()).as("without the hand-off's options").isEmpty();
        assertThat(only(coredns, "e" + ok).origin().source()).isEqualTo("nodelocal");
    }

    @Test
    void aChaosDropAtTheNodeIsDroppedAtNodelocal() throws Exception {
        DigResult dig = Dig.dig(node.address(), atNode, "A", "+time=1");

        assertThat(dig.status()).isEqualTo(DigResult.TIMEOUT);
        JsonNode d = diagnose(atNode);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("dropped_at_nodelocal");
        assertThat(d.path("message").asText()).contains("node worker-1").contains("drop-at-node");
    }

    @Test
    void aDropInDnsdistIsLostBetweenNodelocalAndCoredns() throws Exception {
        // The CoreDNS side must be seen answering something, or diagnose cannot tell it never got the query.
        assertThat(Dig.dig(node.address(), "other" + ok, "A").status()).isEqualTo("NOERROR");
        DigResult dig = Dig.dig(node.address(), atDnsdist, "A");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("SERVFAIL");
        JsonNode d = diagnose(atDnsdist);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(d.path("message").asText()).contains("node worker-1");
    }

    @Test
    void anAnswerLostUpstreamOfCorednsIsNotBlamedOnTheNodeHop() throws Exception {
        DigResult dig = Dig.dig(node.address(), upstream, "A");

        assertThat(dig.status()).as(dig.raw()).isIn("SERVFAIL", DigResult.TIMEOUT);
        JsonNode d = diagnose(upstream);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("chaos");
        assertThat(d.path("message").asText()).contains("lost-upstream");
        assertThat(d.toString()).doesNotContain("nodelocal");
        // The node retried: each of its attempts is a flow behind CoreDNS, all linked to the one node flow.
        Flow atTheNode = only(node, upstream);
        assertThat(atTheNode.attempts()).hasSizeGreaterThanOrEqualTo(1);
        assertThat(coredns.ring().newest(10, f -> upstream.equalsIgnoreCase(f.query().name())))
                .hasSize(atTheNode.attempts().size())
                .allSatisfy(f -> assertThat(f.get(Via.KEY).flow()).isEqualTo(atTheNode.id()));
    }
}
