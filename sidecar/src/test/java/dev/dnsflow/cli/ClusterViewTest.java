package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.PodProxyApiServer;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;
import picocli.CommandLine;

/**
 * {@code observe --kubernetes} and {@code diagnose --kubernetes} against two real dnsflow instances (each a proxy with
 * its admin API and a scripted upstream), found and reached through an API server's pod list and pod proxy
 * ({@link PodProxyApiServer}), with a kubeconfig file pointing at it. Instance b's upstream answers SERVFAIL for
 * {@code bad.*}; a's answers everything.
 */
class ClusterViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "kube-system/dnsflow-a";
    private static final String B = "kube-system/dnsflow-b";
    private final List<AutoCloseable> open = new ArrayList<>();
    private PodProxyApiServer api;
    private DnsProxy a;
    private DnsProxy b;
    private String kubeconfig;
    private int id = 100;

    @TempDir
    Path dir;

    @BeforeEach
    void startTwoInstances() throws Exception {
        a = instance(false);
        b = instance(true);
        api = new PodProxyApiServer();
        open.add(api);
        api.runningPod("kube-system", "dnsflow-a", a.adminAddress().getPort())
                .runningPod("kube-system", "dnsflow-b", b.adminAddress().getPort());
        // neither is read: one not running yet, one being deleted
        api.pod(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withNamespace("kube-system")
                .withName("dnsflow-pending").addToLabels("app.kubernetes.io/name", "dnsflow").endMetadata()
                .withNewStatus().withPhase("Pending").endStatus().build());
        api.pod(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withNamespace("kube-system")
                .withName("dnsflow-leaving").withDeletionTimestamp("2026-01-01T00:00:00Z")
                .addToLabels("app.kubernetes.io/name", "dnsflow").endMetadata()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build());
        kubeconfig = api.kubeconfig(dir).toString();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private DnsProxy instance(boolean servfailsBad) throws Exception {
        ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q, "192.0.2.1");
            if (servfailsBad && q.getQuestion().getName().toString().startsWith("bad.")) {
                m = Wire.answer(q);
                m.getHeader().setRcode(Rcode.SERVFAIL);
            }
            return m;
        }));
        open.add(upstream);
        DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1).build());
        open.add(proxy);
        return proxy;
    }

    private Message ask(DnsProxy proxy, String name) throws InterruptedException {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(name, Type.A, id++));
        assertThat(answer).as("answer to " + name).isNotNull();
        Thread.sleep(3); // distinct flow times, so the merged order is the order asked
        return answer;
    }

    private void drain() {
        a.recorder().drain(2000);
        b.recorder().drain(2000);
    }

    private CliRun observe(String... args) {
        return CliRun.of(new ObserveCommand(), cluster(args));
    }

    private CliRun diagnose(String... args) {
        return CliRun.of(new DiagnoseCommand(), cluster(args));
    }

    private String[] cluster(String... args) {
        List<String> all = new ArrayList<>(List.of("--kubernetes", "--kubeconfig", kubeconfig));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void lastIsTheNewestOfAllInstancesInTimeOrderEachNamingItsPod() throws Exception {
        ask(a, "a1.example.com.");
        ask(b, "b1.example.com.");
        ask(a, "a2.example.com.");
        ask(b, "b2.example.com.");
        drain();

        CliRun r = observe("--last", "3");

        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.lines()).hasSize(3);
        assertThat(r.lines().get(0)).startsWith(B + "  ").contains(" b1.example.com. A  NOERROR 192.0.2.1 ");
        assertThat(r.lines().get(1)).startsWith(A + "  ").contains(" a2.example.com. A  NOERROR");
        assertThat(r.lines().get(2)).startsWith(B + "  ").contains(" b2.example.com. A  NOERROR");
        assertThat(api.listQueries).singleElement().satisfies(q ->
                assertThat(URLDecoder.decode(q, StandardCharsets.UTF_8)).contains("labelSelector=app.kubernetes.io/name=dnsflow"));

        List<JsonNode> json = new ArrayList<>();
        for (String line : observe("--last", "10", "-o", "json").lines()) {
            json.add(JSON.readTree(line));
        }
        assertThat(json).extracting(f -> f.at("/query/name").asText())
                .containsExactly("a1.example.com.", "b1.example.com.", "a2.example.com.", "b2.example.com.");
        assertThat(json).extracting(f -> f.path("instance").asText()).containsExactly(A, B, A, B);

        List<String> table = observe("--last", "2", "-o", "table").lines();
        assertThat(table.get(0)).matches("INSTANCE +TIME +CLIENT +.*");
        assertThat(table.get(1)).startsWith(A + "  ");
        assertThat(table.get(2)).startsWith(B + "  ");
        assertThat(observe("--last", "10", "--name", "a1.example.com").lines()).as("filters go to every instance")
                .singleElement().asString().startsWith(A + "  ");
    }

    @Test
    void followMergesTheLiveStreamsOfAllInstances() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new ObserveCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        AtomicInteger code = new AtomicInteger(-1);
        Thread observer = new Thread(() -> code.set(cmd.execute(cluster("-f", "--last", "0"))));
        observer.start();

        for (int i = 0; i < 50 && !(out.toString().contains("live-a.") && out.toString().contains("live-b.")); i++) {
            ask(a, "live-a.example.com.");
            ask(b, "live-b.example.com.");
            waitFor(() -> out.toString().contains("live-a.") && out.toString().contains("live-b."), 200);
        }

        assertThat(out.toString().lines().filter(l -> l.contains("live-a."))).isNotEmpty().allMatch(l -> l.startsWith(A + "  "));
        assertThat(out.toString().lines().filter(l -> l.contains("live-b."))).isNotEmpty().allMatch(l -> l.startsWith(B + "  "));
        open.remove(a);
        a.close();
        waitFor(() -> err.toString().contains(A + ": ended its flow stream"), 5000);
        assertThat(observer.isAlive()).as("b still streams").isTrue();
        ask(b, "after-a.example.com.");
        waitFor(() -> out.toString().contains("after-a."), 5000);
        assertThat(out.toString()).contains(B + "  ");
        open.remove(b);
        b.close();
        observer.join(10_000);
        assertThat(observer.isAlive()).isFalse();
        assertThat(code.get()).isEqualTo(1);
        assertThat(err.toString()).contains("every dnsflow pod ended its flow stream");
    }

    @Test
    void aFailingInstanceIsNamedOnStderrAndTheOthersStillPrint() throws Exception {
        ask(a, "a1.example.com.");
        ask(b, "b1.example.com.");
        drain();
        api.fail("kube-system", "dnsflow-b");

        CliRun r = observe("--last", "10");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).singleElement().asString().startsWith(A + "  ").contains("a1.example.com.");
        assertThat(r.err()).isEqualTo(B + ": /api/v1/flows answered 503: error trying to reach service: dial tcp 127.0.0.1:"
                + b.adminAddress().getPort() + ": i/o timeout\n");

        api.fail("kube-system", "dnsflow-a");
        CliRun none = observe("--last", "10");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains(A + ": /api/v1/flows answered 503").contains(B + ": /api/v1/flows answered 503")
                .endsWith("dnsflow observe: none of the 2 dnsflow pods answered\n");
        assertThat(observe("-f", "--last", "0").code()).as("follow: none answered either").isEqualTo(1);
    }

    @Test
    void aPodThatRefusesTheConnectionIsReportedWithTheApiServersReason() throws Exception {
        int port = dev.dnsflow.peers.Peers.freePort();
        api.runningPod("dns", "dnsflow-gone", port);
        ask(a, "a1.example.com.");
        drain();

        CliRun r = observe("--last", "10");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).singleElement().asString().startsWith(A + "  ");
        assertThat(r.err()).isEqualTo("dns/dnsflow-gone: /api/v1/flows answered 503: error trying to reach service: dial tcp "
                + "127.0.0.1:" + port + ": connect: connection refused\n");
    }

    @Test
    void noPodFoundIsExitCode1NamingTheSelectorAndNamespaces() {
        CliRun r = observe("--selector", "app=nothing", "--dnsflow-namespace", "monitoring");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("dnsflow observe: no running dnsflow pod found: looked for pods with label selector "
                + "'app=nothing' in namespace monitoring at http://127.0.0.1:");
        assertThat(diagnose("--selector", "app=nothing").err()).contains("label selector 'app=nothing' in all namespaces");
        assertThat(observe("--dnsflow-namespace", "kube-system", "--last", "1").code()).isZero();
        assertThat(api.listQueries).hasSize(3);
    }

    @Test
    void diagnoseNamesTheReplicaWhereANameFails() throws Exception {
        for (int i = 0; i < 3; i++) {
            ask(a, "bad.example.com.");
            ask(b, "bad.example.com.");
            ask(a, "ok.example.com.");
            ask(b, "ok.example.com.");
        }
        drain();

        CliRun r = diagnose();

        assertThat(r.code()).isZero();
        assertThat(r.lines()).singleElement().asString().startsWith("bad.example.com. A: SERVFAIL from upstream ")
                .endsWith(" — fails only on " + B + " (" + A + " answered it)");
        JsonNode json = JSON.readTree(diagnose("--name", "bad.example.com", "-o", "json").out());
        assertThat(json.path("message").asText()).contains("fails only on " + B);
        assertThat(json.at("/instances/" + B.replace("/", "~1") + "/failed").asInt()).isEqualTo(3);
        assertThat(json.at("/instances/" + A.replace("/", "~1") + "/failed").asInt()).isZero();
        assertThat(diagnose("--name", "ok.example.com").lines()).singleElement().asString()
                .startsWith("ok.example.com. A: healthy: 6 answered");
    }

    @Test
    void serverAndKubernetesTogetherIsExitCode2NamingBoth() {
        CliRun r = CliRun.of(new ObserveCommand(), "--kubernetes", "--server", "http://127.0.0.1:9553");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("--server and --kubernetes cannot be used together");
        assertThat(CliRun.of(new DiagnoseCommand(), "--server", "http://127.0.0.1:9553", "--kubernetes").code()).isEqualTo(2);
        assertThat(CliRun.of(new ObserveCommand(), "--selector", "app=x").err()).startsWith("--selector is for --kubernetes");
    }

    @Test
    void helpNamesTheDiscoveryScopeAndTheExamples() {
        CliRun observe = CliRun.of(new ObserveCommand(), "--help");
        assertThat(observe.out()).contains("--dnsflow-namespace=NS").contains("dnsflow observe --kubernetes -f --rcode SERVFAIL");
        assertThat(CliRun.of(new DiagnoseCommand(), "--help").out()).contains("dnsflow diagnose --kubernetes --name example.com");
    }

    private static void waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
    }
}
