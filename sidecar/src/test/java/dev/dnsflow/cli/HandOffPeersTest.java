package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import dev.dnsflow.peers.ChildProcess;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.DnsdistServer;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.sidecar.FrameStreamsReceiver;
import dev.dnsflow.sidecar.Main;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.OtlpCollector;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;

/**
 * The whole chain with real software on loopback, each dnsflow started as a user starts it (its own JVM, the
 * {@code dnsflow} command line): dig → {@code dnsflow nodelocal} (its cluster zone {@code example.com} to dnsdist over
 * TCP, as NodeLocal's {@code force_tcp}) → dnsdist (in CoreDNS's place: like CoreDNS's forward it passes the client's OPT options on, and sends its
 * dnstap to the sidecar) → {@code dnsflow sidecar} → NSD.
 *
 * <p>The sidecar's flow names dig (address, port, ID) as the pod and nodelocal's flow ({@code via.nodelocal.flow}),
 * and is joined with dnsdist's dnstap ({@code coredns}); the hand-off's options never reach NSD (seen in the
 * sidecar's own dnstap, {@code --dnstap}); and {@code diagnose} over both admin APIs says where a query died: a
 * chaos drop at nodelocal ({@code dropped_at_nodelocal}), a drop rule in dnsdist
 * ({@code lost_between_nodelocal_and_coredns}; over TCP dnsdist closes the connection, so nodelocal's attempts fail
 * rather than time out), an answer lost upstream of the sidecar (its chaos
 * {@code upstream-drop}: {@code chaos}, never one of the node hop's verdicts), a second query answered from
 * nodelocal's cache ({@code answered_from_node_cache}); and both export one query as one OpenTelemetry trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class HandOffPeersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration START = Duration.ofSeconds(30);

    private final List<AutoCloseable> open = new ArrayList<>();
    private final String suffix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    private final String ok = "ok" + suffix + ".w.example.com.";
    private final String atNode = "node" + suffix + ".w.example.com.";
    private final String atDnsdist = "dd" + suffix + ".w.example.com.";
    private final String upstream = "up" + suffix + ".w.example.com.";
    private InetSocketAddress nodelocal;
    private String nodelocalAdmin;
    private String sidecarAdmin;
    private ChildProcess nodelocalProcess;
    private ChildProcess sidecarProcess;
    private DnsdistServer dnsdist;
    /** What the sidecar sent NSD, byte for byte: its own dnstap's FORWARDER_QUERY messages. */
    private final List<Dnstap> taps = new CopyOnWriteArrayList<>();
    private Path dir;
    /** Where both dnsflows export their traces ({@code --otlp-endpoint}). */
    private OtlpCollector collector;

    @BeforeAll
    void start() throws Exception {
        Peers.require("dig");
        Peers.require("dnsdist");
        NsdServer nsd = NsdServer.start();
        open.add(nsd);
        dir = Files.createTempDirectory("dnsflow-handoff-peers-");
        collector = new OtlpCollector();
        open.add(collector);
        Path sidecarTap = dir.resolve("sidecar-out.sock");
        open.add(new FrameStreamsReceiver("unix:" + sidecarTap, frame -> {
            try {
                taps.add(Dnstap.parseFrom(frame));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));

        // Behind CoreDNS: short attempts to NSD, so it answers (SERVFAIL) before nodelocal gives up on it.
        Path dnstapIn = dir.resolve("coredns-dnstap.sock");
        InetSocketAddress sidecar = new InetSocketAddress("127.0.0.1", Peers.freePort());
        int sidecarAdminPort = Peers.freePort();
        sidecarAdmin = "http://127.0.0.1:" + sidecarAdminPort;
        sidecarProcess = dnsflow("sidecar", "--listen", text(sidecar), "--upstream", text(nsd.address()),
                "--admin", "127.0.0.1:" + sidecarAdminPort, "--threads", "1", "--flow-buffer", "1000",
                "--timeout", "200ms", "--deadline", "600ms", "--max-fails", "1000",
                "--hand-off-from", "127.0.0.0/8", "--dnstap-listen", "unix:" + dnstapIn,
                "--dnstap", "unix:" + sidecarTap, "--dnstap-identity", "coredns-side",
                "--chaos-rule", "upstream-drop name=" + upstream + " rule=lost-upstream",
                "--otlp-endpoint", collector.endpoint());
        Peers.waitForDns(sidecar, START, sidecarProcess.process(), sidecarProcess::output);
        awaitFile(dnstapIn, sidecarProcess);

        // CoreDNS's stand-in: the drop rule before the dnstap actions, so dnsdist neither answers nor logs it. Over TCP
        // (nodelocal's force_tcp) dnsdist 1.7 answers a connection's queries in order and closes it on a drop.
        dnsdist = DnsdistServer.forwardingTo(sidecar)
                .lua("addAction(QNameRule(\"" + atDnsdist + "\"), DropAction())")
                .dnstap(dnstapIn, "dnsdist-coredns").start();
        open.add(dnsdist);

        nodelocal = new InetSocketAddress("127.0.0.1", Peers.freePort());
        int nodelocalAdminPort = Peers.freePort();
        nodelocalAdmin = "http://127.0.0.1:" + nodelocalAdminPort;
        nodelocalProcess = dnsflow("nodelocal", "--listen", text(nodelocal),
                "--zone", "example.com=" + text(dnsdist.address()) + "/tcp", "--upstream", text(nsd.address()),
                "--node-name", "worker-1", "--admin", "127.0.0.1:" + nodelocalAdminPort, "--health", "off",
                "--metrics", "off", "--threads", "1", "--flow-buffer", "1000",
                "--timeout", "1200ms", "--deadline", "2000ms", "--max-fails", "1000",
                "--chaos-rule", "drop name=" + atNode + " rule=drop-at-node", "--otlp-endpoint", collector.endpoint());
        Peers.waitForDns(nodelocal, START, nodelocalProcess.process(), nodelocalProcess::output);

        // The whole chain answers, and the sidecar is seen answering (diagnose needs its side read at all).
        String warm = "warm" + suffix + ".w.example.com.";
        assertThat(Dig.dig(nodelocal, warm, "A").status()).isEqualTo("NOERROR");
        awaitFlow(sidecarAdmin, warm, f -> f.get(CorednsSide.KEY) != null);
    }

    @AfterAll
    void stop() throws Exception {
        if (nodelocalProcess != null) {
            nodelocalProcess.close();
        }
        if (sidecarProcess != null) {
            sidecarProcess.close();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (dir != null) {
            ChildProcess.deleteRecursively(dir);
        }
    }

    /** {@code dnsflow COMMAND ARGS} as a user runs it: the jar's main class in a JVM of its own. */
    private ChildProcess dnsflow(String command, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), command));
        argv.addAll(List.of(args));
        return ChildProcess.start("dnsflow-" + command, argv, dir, dir.resolve(command + ".out"));
    }

    private static void awaitFile(Path file, ChildProcess process) throws InterruptedException {
        long until = System.nanoTime() + START.toNanos();
        while (!Files.exists(file) && process.isAlive() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(file).as("the sidecar's dnstap socket; its output:\n%s", process.output()).exists();
    }

    private static String text(InetSocketAddress a) {
        return ProxyCommand.ProxyOptions.text(a);
    }

    /** The flows a dnsflow's admin API holds for {@code name}, newest first. */
    private static List<Flow> flows(String admin, String name) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(admin + "/api/v1/flows?limit=100&name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<Flow> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(f -> out.add(JsonFlows.read(f)));
        return out;
    }

    /** The first flow for {@code name} matching {@code which}, waited for: flows reach the API on a recorder's thread. */
    private static Flow awaitFlow(String admin, String name, Predicate<Flow> which) throws Exception {
        long until = System.nanoTime() + 10_000_000_000L; // the join waits for dnsdist's dnstap: ~1 s, up to 3 s
        List<Flow> seen = List.of();
        while (System.nanoTime() < until) {
            seen = flows(admin, name);
            for (Flow f : seen) {
                if (which.test(f)) {
                    return f;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such flow for " + name + " at " + admin + "; flows: " + seen);
    }

    /** The query the sidecar sent NSD for {@code name}, from its dnstap, as NSD received it. */
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

    /** {@code dnsflow diagnose} over both hops, once nodelocal has recorded {@code name}'s flows ({@code count}). */
    private JsonNode diagnose(String name, int nodeFlows) throws Exception {
        long until = System.nanoTime() + 5_000_000_000L;
        while (flows(nodelocalAdmin, name).size() < nodeFlows && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        CliRun r = CliRun.of(new DiagnoseCommand(), "--server", nodelocalAdmin, "--server", sidecarAdmin, "--name", name,
                "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.lines()).as(r.out() + r.err()).hasSize(1);
        return JSON.readTree(r.lines().get(0));
    }

    @Test
    void theSidecarsFlowNamesDigAndNodelocalsFlowJoinedWithDnsdistsDnstapAndNsdNeverSeesTheOptions() throws Exception {
        // +noedns: dig sends no OPT, so the hand-off adds one; had any of it reached NSD, NSD would answer with an OPT.
        DigResult dig = Dig.dig(nodelocal, ok, "A", "+noedns");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
        assertThat(dig.answers()).containsExactly(NsdServer.WILDCARD_A);
        assertThat(dig.raw()).as("NSD got the query without any OPT: its answer has none").doesNotContain("OPT PSEUDOSECTION");
        assertThat(sentToNsd(ok).getOPT()).as("the OPT the hand-off added is gone before NSD").isNull();
        Flow first = awaitFlow(nodelocalAdmin, ok, f -> true);
        Flow second = awaitFlow(sidecarAdmin, ok, f -> f.get(CorednsSide.KEY) != null);
        assertThat(flows(nodelocalAdmin, ok)).singleElement().extracting(Flow::id).isEqualTo(first.id());
        assertThat(flows(sidecarAdmin, ok)).as("one query, one flow behind CoreDNS").singleElement()
                .extracting(Flow::id).isEqualTo(second.id());
        assertThat(first.client().ip()).isEqualTo("127.0.0.1");
        assertThat(first.query().id()).as("dig's ID").isEqualTo(dig.id());
        assertThat(first.get(HandOffMark.KEY)).isEqualTo(new HandOffMark("worker-1"));
        assertThat(second.client().port()).as("the packet came from dnsdist").isNotEqualTo(first.client().port());
        assertThat(second.origin().source()).isEqualTo("nodelocal");
        assertThat(second.origin().ip()).as("dig's address").isEqualTo(first.client().ip());
        assertThat(second.origin().port()).as("dig's port").isEqualTo(first.client().port());
        assertThat(second.origin().id()).as("dig's ID, not nodelocal's, though dnsdist's dnstap was joined")
                .isEqualTo(dig.id());
        assertThat(second.get(Via.KEY)).isEqualTo(new Via("worker-1", first.id()));
        assertThat(FlowJson.toJson(second)).contains("\"via\":{\"nodelocal\":{\"node\":\"worker-1\",\"flow\":\"" + first.id() + "\"}}");
        // joined with dnsdist's CLIENT_QUERY and CLIENT_RESPONSE about nodelocal's query
        assertThat(second.get(CorednsSide.KEY).forwarded()).isTrue();
        assertThat(second.get(CorednsSide.KEY).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(second.get(CorednsSide.KEY).respondedEpochNanos()).isGreaterThan(second.get(CorednsSide.KEY).receivedEpochNanos());

        JsonNode healthy = diagnose(ok, 1);
        assertThat(healthy.path("verdict").asText()).as(healthy.toString()).isEqualTo("healthy");
    }

    @Test
    void withEdnsFromDigTheOptionsAreStrippedAndDigsOwnOptStaysItsOwn() throws Exception {
        DigResult dig = Dig.dig(nodelocal, "e" + ok, "A", "+bufsize=1232", "+nocookie");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
        assertThat(dig.raw()).as("NSD answers the OPT dig sent").contains("OPT PSEUDOSECTION");
        OPTRecord opt = sentToNsd("e" + ok).getOPT();
        assertThat(opt).as("dig's own OPT goes on").isNotNull();
        assertThat(opt.getPayloadSize()).isEqualTo(1232);
        assertThat(opt.getOptions()).as("without the hand-off's options").isEmpty();
        assertThat(awaitFlow(sidecarAdmin, "e" + ok, f -> true).origin().source()).isEqualTo("nodelocal");
    }

    @Test
    void aChaosDropAtNodelocalIsDroppedAtNodelocal() throws Exception {
        DigResult dig = Dig.dig(nodelocal, atNode, "A", "+time=1", "+tries=1");

        assertThat(dig.status()).isEqualTo(DigResult.TIMEOUT);
        JsonNode d = diagnose(atNode, 1);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("dropped_at_nodelocal");
        assertThat(d.path("message").asText()).contains("node worker-1").contains("drop-at-node");
    }

    @Test
    void aDropInDnsdistIsLostBetweenNodelocalAndCoredns() throws Exception {
        DigResult dig = Dig.dig(nodelocal, atDnsdist, "A");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("SERVFAIL");
        JsonNode d = diagnose(atDnsdist, 1);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(d.path("message").asText()).contains("node worker-1");
        assertThat(d.path("message").asText()).as("over TCP dnsdist closes the connection on a drop: no timeouts")
                .contains("sent 1 queries to CoreDNS (3 attempts failed (connection closed or refused))");
        assertThat(flows(sidecarAdmin, atDnsdist)).as("the sidecar never got it").isEmpty();
    }

    @Test
    void anAnswerLostUpstreamOfTheSidecarIsNotBlamedOnTheNodeHop() throws Exception {
        DigResult dig = Dig.dig(nodelocal, upstream, "A");

        assertThat(dig.status()).as(dig.raw()).isIn("SERVFAIL", DigResult.TIMEOUT);
        Flow atTheNode = awaitFlow(nodelocalAdmin, upstream, f -> true);
        // Each of nodelocal's attempts is a flow behind CoreDNS, all linked to the one node flow.
        long until = System.nanoTime() + 10_000_000_000L;
        while (flows(sidecarAdmin, upstream).size() < atTheNode.attempts().size() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(atTheNode.attempts()).hasSizeGreaterThanOrEqualTo(1);
        assertThat(flows(sidecarAdmin, upstream)).as("node flow %s", atTheNode).hasSize(atTheNode.attempts().size())
                .allSatisfy(f -> assertThat(f.get(Via.KEY).flow()).isEqualTo(atTheNode.id()));
        JsonNode d = diagnose(upstream, 1);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("chaos");
        assertThat(d.path("message").asText()).contains("lost-upstream");
        assertThat(d.toString()).doesNotContain("nodelocal");
    }

    @Test
    void bothDnsflowProcessesExportDigsQueryAsOneTraceWithTheNodesSpanAtItsRoot() throws Exception {
        String traced = "t" + ok;
        assertThat(Dig.dig(nodelocal, traced, "A").status()).isEqualTo("NOERROR");

        // nodelocal: SERVER and a CLIENT to dnsdist; the sidecar: coredns (dnsdist's part), SERVER, a CLIENT to NSD
        Span first = collector.await(s -> traced.equals(OtlpCollector.attribute(s, "dns.question.name")), 1).get(0);
        List<Span> spans = collector.await(s -> s.getTraceId().equals(first.getTraceId()), 5);
        assertThat(spans).as("one trace, both processes: %s", spans).hasSize(5)
                .allSatisfy(s -> assertThat(s.getName()).isIn("coredns", "DNS A " + traced));
        Span nodeServer = only(spans, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER && s.getParentSpanId().isEmpty());
        Span coredns = only(spans, s -> s.getName().equals("coredns"));
        Span sidecarServer = only(spans, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER && !s.getName().equals("coredns")
                && !s.getParentSpanId().isEmpty());
        assertThat(OtlpCollector.attribute(nodeServer, "client.address")).as("dig, at the node").isEqualTo("127.0.0.1");
        assertThat(coredns.getParentSpanId()).as("CoreDNS's part hangs under the node's span")
                .isEqualTo(nodeServer.getSpanId());
        assertThat(sidecarServer.getParentSpanId()).isEqualTo(coredns.getSpanId());
        Span toDnsdist = only(spans, s -> s.getParentSpanId().equals(nodeServer.getSpanId())
                && s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT);
        Span toNsd = only(spans, s -> s.getParentSpanId().equals(sidecarServer.getSpanId()));
        assertThat(OtlpCollector.attribute(toDnsdist, "server.port")).isEqualTo(Integer.toString(dnsdist.address().getPort()));
        assertThat(OtlpCollector.attribute(toDnsdist, "network.transport")).as("force_tcp").isEqualTo("tcp");
        assertThat(OtlpCollector.attribute(toNsd, "network.transport")).as("dnsdist kept TCP, and so does the sidecar")
                .isEqualTo("tcp");
        assertThat(OtlpCollector.attribute(toNsd, "server.port")).isNotEqualTo(OtlpCollector.attribute(toDnsdist, "server.port"));
    }

    private static Span only(List<Span> spans, Predicate<Span> which) {
        List<Span> found = spans.stream().filter(which).toList();
        assertThat(found).as("spans: %s", spans).hasSize(1);
        return found.get(0);
    }

    @Test
    void aSecondQueryIsAnsweredFromTheNodeCache() throws Exception {
        String cached = "c" + ok;
        assertThat(Dig.dig(nodelocal, cached, "A").answers()).containsExactly(NsdServer.WILDCARD_A);
        awaitFlow(nodelocalAdmin, cached, f -> true);
        DigResult again = Dig.dig(nodelocal, cached, "A");

        assertThat(again.answers()).containsExactly(NsdServer.WILDCARD_A);
        JsonNode d = diagnose(cached, 2);
        assertThat(d.path("verdict").asText()).as(d.toString()).isEqualTo("answered_from_node_cache");
        assertThat(d.path("message").asText()).contains("node worker-1");
        assertThat(awaitFlow(sidecarAdmin, cached, f -> f.get(CorednsSide.KEY) != null)).isNotNull();
        assertThat(flows(sidecarAdmin, cached)).as("only the first query went on to CoreDNS").hasSize(1);
    }
}
