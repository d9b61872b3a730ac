package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.Policy;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.NamingEnricher;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * {@code dnsflow diagnose} against a real dnsflow with its admin API on 127.0.0.1:0 and two scripted upstreams
 * under the sequential policy: the first loses every query for {@code lossy.*} (the second answers those), both
 * lose {@code dead.*} (SERVFAIL from dnsflow), {@code nx.*} does not exist, and a chaos rule drops {@code drop.*}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiagnoseCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private ScriptedUpstream first;
    private ScriptedUpstream second;
    private DnsProxy proxy;

    private static ScriptedUpstream.Script upstream(boolean losesLossy) {
        return (q, reply) -> {
            String name = q.message().getQuestion().getName().toString();
            if (name.startsWith("dead.") || losesLossy && name.startsWith("lossy.")) {
                return; // lost: no answer at all
            }
            Message m = name.startsWith("nx.") ? Wire.answer(q.message()) : Wire.answer(q.message(), "192.0.2.1");
            if (name.startsWith("nx.")) {
                m.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            reply.send(m);
        };
    }

    @BeforeAll
    void startAndAsk() throws Exception {
        first = ScriptedUpstream.start(upstream(true));
        open.add(first);
        second = ScriptedUpstream.start(upstream(false));
        open.add(second);
        ForwardOptions forward = ForwardOptions.defaults().toBuilder().policy(Policy.SEQUENTIAL)
                .timeouts(Duration.ofMillis(200), Duration.ofMillis(1000)).health(1000, Duration.ofSeconds(60)).build();
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(first.address(), second.address()))
                .forward(forward).admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1)
                .chaos(null, List.of("drop name=drop.example.com rule=drop-example")).build());
        open.add(proxy);
        proxy.recorder().enricher(new NamingEnricher(DiagnoseCommandTest::asker));

        int id = 100;
        for (int i = 0; i < 4; i++) {
            assertThat(ask("lossy.example.com.", id++, 2000).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(ask("drop.example.com.", id++, 300)).as("dropped by the chaos rule").isNull();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(ask("nx.example.com.", id++, 2000).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        }
        for (int i = 0; i < 6; i++) {
            assertThat(ask("ok.example.com.", id++, 2000).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        assertThat(ask("dead.example.com.", id, 3000).getRcode()).isEqualTo(Rcode.SERVFAIL);
        proxy.recorder().drain(2000);
    }

    /** lossy and ok: default/mypod (Deployment web); nx: default/api-1 (Deployment api); dead: shop/job; drop: unknown. */
    private static K8sRef asker(Flow f) {
        String name = f.query().name();
        if (name.startsWith("lossy.") || name.startsWith("ok.")) {
            return Flows.MYPOD;
        }
        if (name.startsWith("nx.")) {
            return new K8sRef(K8sRef.POD, "default", "api-1", "Deployment", "api", "worker-1");
        }
        return name.startsWith("dead.") ? new K8sRef(K8sRef.POD, "shop", "job", null, null, "worker-2") : null;
    }

    @AfterAll
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Message ask(String name, int id, int timeoutMillis) {
        return DnsClient.udp(proxy.address(), Wire.query(name, Type.A, id).toWire(), timeoutMillis);
    }

    private String server() {
        return "http://127.0.0.1:" + proxy.adminAddress().getPort();
    }

    private static String up(ScriptedUpstream u) {
        return "127.0.0.1:" + u.address().getPort();
    }

    private static CliRun run(String... args) {
        return CliRun.of(new DiagnoseCommand(), args);
    }

    @Test
    void withoutANameTheWorstNamesComeFirstEachWithItsVerdict() {
        CliRun r = run("--server", server());

        assertThat(r.code()).isZero();
        assertThat(r.lines()).containsExactly(
                "lossy.example.com. A: 4 attempts to " + up(first) + " timed out; " + up(second) + " answered 4 — upstream "
                        + up(first) + " is losing queries",
                "drop.example.com. A: chaos rule drop-example dropped 3 queries (injected by dnsflow on purpose, not a real fault)",
                "dead.example.com. A: SERVFAIL from dnsflow after 3 attempts: all upstreams timed out (" + up(first) + ", "
                        + up(second) + ")",
                "nx.example.com. A: NXDOMAIN from upstream to 5 queries — the name does not exist");
        assertThat(r.err()).startsWith("(4 of 4 names with problems among 5 names, 19 flows, last 5m;");
        assertThat(run("--server", server(), "--top", "1").lines()).singleElement().asString().startsWith("lossy.example.com. A: ");
    }

    @Test
    void aHealthyNameSaysSoWithItsTimes() {
        CliRun r = run("--server", server(), "--name", "ok.example.com");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).singleElement().asString()
                .matches("ok\\.example\\.com\\. A: healthy: 6 answered, p50 [0-9.]+ms, max [0-9.]+ms");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void jsonIsOneObjectPerNameWithVerdictCodeMessageAndCounts() throws Exception {
        CliRun r = run("--server", server(), "-o", "json", "--name", "*.example.com");

        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        List<JsonNode> verdicts = new ArrayList<>();
        for (String line : r.lines()) {
            verdicts.add(JSON.readTree(line));
        }
        assertThat(verdicts).extracting(v -> v.get("name").asText() + " " + v.get("verdict").asText()).containsExactly(
                "lossy.example.com. upstream_losing", "drop.example.com. chaos", "dead.example.com. servfail_by_dnsflow",
                "nx.example.com. nxdomain", "ok.example.com. healthy");
        JsonNode lossy = verdicts.get(0);
        assertThat(lossy.get("type").asText()).isEqualTo("A");
        assertThat(lossy.get("message").asText()).endsWith("upstream " + up(first) + " is losing queries");
        assertThat(lossy.at("/counts/flows").asInt()).isEqualTo(4);
        assertThat(lossy.at("/counts/answered").asInt()).isEqualTo(4);
        assertThat(lossy.at("/counts/upstreams/" + up(first) + "/timeout").asInt()).isEqualTo(4);
        assertThat(lossy.at("/counts/upstreams/" + up(second) + "/answered").asInt()).isEqualTo(4);
        assertThat(lossy.at("/counts/p50_us").asLong()).isGreaterThanOrEqualTo(200_000);
        assertThat(verdicts.get(1).at("/counts/chaos/drop-example").asInt()).isEqualTo(3);
        assertThat(verdicts.get(1).at("/counts/outcomes/chaos_drop").asInt()).isEqualTo(3);
        assertThat(verdicts.get(3).at("/counts/rcodes/NXDOMAIN").asInt()).isEqualTo(5);
        assertThat(verdicts.get(4).get("also")).isEmpty();
    }

    @Test
    void aNamespaceJudgesOnlyItsPodsQueriesAndAddsAVerdictPerWorkload() {
        CliRun r = run("--server", server(), "-n", "default");

        assertThat(r.code()).isZero();
        String lossy = "lossy.example.com. A: 4 attempts to " + up(first) + " timed out; " + up(second) + " answered 4 — upstream "
                + up(first) + " is losing queries";
        String nx = "nx.example.com. A: NXDOMAIN from upstream to 5 queries — the name does not exist";
        assertThat(r.lines()).containsExactly(lossy, nx,
                "workload default/Deployment/web: 10 flows, 4 failed; worst: " + lossy,
                "workload default/Deployment/api: 5 flows, 0 failed; worst: " + nx);
        assertThat(r.err()).startsWith("(2 of 2 names with problems among 3 names, 15 flows, last 5m;");

        assertThat(run("--server", server(), "--namespace", "shop", "--top", "1").lines()).containsExactly(
                "dead.example.com. A: SERVFAIL from dnsflow after 3 attempts: all upstreams timed out (" + up(first) + ", "
                        + up(second) + ")",
                "workload shop/Pod/job: 1 flow, 1 failed; worst: dead.example.com. A: SERVFAIL from dnsflow after 3 attempts: "
                        + "all upstreams timed out (" + up(first) + ", " + up(second) + ")");
        assertThat(run("--server", server()).out()).as("without a namespace: names only, as before").doesNotContain("workload");
    }

    @Test
    void withANameEveryWorkloadThatAskedItIsShownHealthyOrNot() throws Exception {
        CliRun r = run("--server", server(), "-n", "default", "--name", "ok.example.com", "-o", "json");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).hasSize(2);
        JsonNode workload = JSON.readTree(r.lines().get(1));
        assertThat(workload.get("workload").asText()).isEqualTo("default/Deployment/web");
        assertThat(workload.get("verdict").asText()).isEqualTo("healthy");
        assertThat(workload.get("worst_name").asText()).isEqualTo("ok.example.com.");
        assertThat(workload.get("worst_type").asText()).isEqualTo("A");
        assertThat(workload.get("message").asText()).startsWith("ok.example.com. A: healthy: 6 answered");
        assertThat(workload.at("/counts/flows").asInt()).isEqualTo(6);
        assertThat(workload.at("/counts/failed").asInt()).isZero();
    }

    @Test
    void aNamespaceNobodyAskedFromIsSaidOnStderrAndABadOneNamesTheFlag() {
        CliRun r = run("--server", server(), "-n", "empty");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("no flows asked from namespace empty in the last 5m (are Kubernetes names on");
        CliRun bad = run("--server", server(), "-n", "Not_A_Namespace");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("--namespace: 'Not_A_Namespace' is not a namespace");
    }

    @Test
    void aNameNobodyAskedIsSaidOnStderr() {
        CliRun r = run("--server", server(), "--name", "never.example.com", "--window", "1m");

        assertThat(r.code()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("no flows for never.example.com in the last 1m: neither dnsflow nor CoreDNS's dnstap saw it");
    }

    @Test
    void anUnreachableServerIsOneLineAndExitCode1() throws Exception {
        int port = dev.dnsflow.peers.Peers.freePort(); // nothing listens there

        CliRun r = run("--server", "http://127.0.0.1:" + port);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("dnsflow diagnose: cannot reach the dnsflow admin API at http://127.0.0.1:" + port
                + ": connection refused (is dnsflow running? see --server)\n");
    }

    @Test
    void badValuesAreExitCode2NamingTheFlag() {
        CliRun type = run("--server", server(), "--type", "NOPE");
        assertThat(type.code()).isEqualTo(2);
        assertThat(type.err()).startsWith("--type: unknown value 'NOPE'");
        assertThat(run("--window", "soon").code()).isEqualTo(2);
        assertThat(run("--window", "0").err()).contains("--window");
        assertThat(run("--limit", "0").err()).contains("--limit");
        assertThat(run("-o", "xml").err()).contains("'xml' is not an output format (text, json)");
        assertThat(run("--server", "ftp://x").err()).contains("--server");
    }
}
