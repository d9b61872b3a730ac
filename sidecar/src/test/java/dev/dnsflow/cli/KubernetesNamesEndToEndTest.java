package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.peers.ChildProcess;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.sidecar.Main;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import dev.dnsflow.k8s.testing.MockCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes names end to end, as a user gets them: the real {@code dnsflow proxy --kubernetes on --kubeconfig FILE}
 * process against an API server (fabric8's CRUD mock) holding a Deployment's pod, Knot's kdig sending a query with
 * the EDNS0 local options CoreDNS's rewrite adds for that pod's address, then the flow's {@code origin.k8s} through the
 * admin API and {@code dnsflow observe -n default --pod mypod} printing the pod by name. Skipped without kdig,
 * failed instead with {@code DNSFLOW_REQUIRE_PEERS=1}.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubernetesNamesEndToEndTest {
    /** The mock API server logs every request at INFO; held strongly, as java.util.logging forgets levels. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
    /** 10.244.1.7 and port 50000, as CoreDNS's {@code rewrite edns0 local set} puts them (codes 65518, 65519). */
    private static final String[] POD_CONTEXT = {"+ednsopt=65518:0af40107", "+ednsopt=65519:c350"};
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPodBehindCoreDnsIsNamedWithItsWorkloadAndNodeAndObserveSelectsIt() throws Exception {
        clusterWithMypod();
        try (ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
             ChildProcess proxy = proxy("--kubernetes", "on", "--kubeconfig", kubeconfig().toString(), "--listen", "127.0.0.1:0",
                     "--admin", "127.0.0.1:0", "--upstream", "127.0.0.1:" + upstream.address().getPort(), "--threads", "1")) {
            InetSocketAddress dns = new InetSocketAddress("127.0.0.1", Integer.parseInt(await(proxy,
                    "dnsflow proxy listening on 127\\.0\\.0\\.1:(\\d+)")));
            String admin = "http://127.0.0.1:" + await(proxy, "admin: http://127\\.0\\.0\\.1:(\\d+)/health");
            awaitSynced(proxy, admin);

            DigResult r = Dig.kdig(dns, "example.com.", "A", POD_CONTEXT);

            assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
            JsonNode flow = awaitFlow(admin + "/api/v1/flows?name=example.com");
            assertThat(flow.at("/origin/ip").asText()).isEqualTo("10.244.1.7");
            JsonNode k8s = flow.at("/origin/k8s");
            assertThat(k8s.toString()).as(flow.toString()).isEqualTo("{\"kind\":\"pod\",\"namespace\":\"default\",\"name\":\"mypod\","
                    + "\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"},\"node\":\"worker-1\"}");

            CliRun observe = CliRun.of(new ObserveCommand(), "--server", admin, "-n", "default", "--pod", "mypod");
            assertThat(observe.code()).as(observe.err()).isZero();
            assertThat(observe.lines()).singleElement().asString().contains(" default/mypod udp id=").contains(" example.com. A ")
                    .contains("NOERROR 192.0.2.1");
            CliRun elsewhere = CliRun.of(new ObserveCommand(), "--server", admin, "-n", "kube-system");
            assertThat(elsewhere.out()).isEmpty();
        }
    }

    /** ReplicaSet web-abc of Deployment web owns pod default/mypod (10.244.1.7 on worker-1); the node is there too. */
    private void clusterWithMypod() {
        client.apps().replicaSets().inNamespace("default").resource(new ReplicaSetBuilder().withNewMetadata()
                .withNamespace("default").withName("web-abc").withUid("uid-rs-web-abc")
                .withOwnerReferences(owner("Deployment", "web")).endMetadata().build()).create();
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withNamespace("default")
                .withName("mypod").withUid("uid-mypod").withCreationTimestamp("2020-01-01T00:00:00Z")
                .withOwnerReferences(owner("ReplicaSet", "web-abc")).endMetadata()
                .withNewSpec().withNodeName("worker-1").addNewContainer().withName("app").withImage("app").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("10.244.1.7").withPodIPs(new PodIP("10.244.1.7")).endStatus()
                .build()).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").withUid("uid-worker-1")
                .withCreationTimestamp("2020-01-01T00:00:00Z").endMetadata().withNewStatus().addNewAddress()
                .withType("InternalIP").withAddress("192.168.1.10").endAddress().endStatus().build()).create();
    }

    private static OwnerReference owner(String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind(kind).withName(name).withUid("uid-" + kind + "-" + name)
                .withController(true).build();
    }

    /** A kubeconfig for the mock API server: its URL, its self-signed certificate not checked, any token. */
    private Path kubeconfig() throws Exception {
        return MockCluster.kubeconfig(dir, client.getConfiguration().getMasterUrl(), "any-token");
    }

    private ChildProcess proxy(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "proxy"));
        command.addAll(List.of(args));
        return ChildProcess.start("dnsflow-proxy", command, null, dir.resolve("proxy.out"));
    }

    /** The first group of {@code regex} once the proxy has printed it (its banner: the ports it bound). */
    private static String await(ChildProcess proxy, String regex) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        return poll(() -> {
            Matcher m = pattern.matcher(proxy.output());
            return m.find() ? m.group(1) : null;
        }, proxy, "the proxy to print /" + regex + "/");
    }

    /** Until every informer has listed its resource ({@code dnsflow_kubernetes_synced} all 1): names from then on. */
    private void awaitSynced(ChildProcess proxy, String admin) throws InterruptedException {
        poll(() -> {
            List<String> synced = get(admin + "/metrics").lines().filter(l -> l.startsWith("dnsflow_kubernetes_synced{")).toList();
            return !synced.isEmpty() && synced.stream().allMatch(l -> l.endsWith(" 1.0")) ? "synced" : null;
        }, proxy, "the informers to sync");
    }

    private JsonNode awaitFlow(String url) throws InterruptedException {
        String found = poll(() -> {
            try {
                JsonNode flows = JSON.readTree(get(url));
                return flows.isEmpty() ? null : flows.get(0).toString();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, null, "the flow at " + url);
        try {
            return JSON.readTree(found);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url, e);
        }
    }

    private static String poll(Supplier<String> until, ChildProcess proxy, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (proxy != null && !proxy.isAlive()) {
                throw new AssertionError("the proxy exited waiting for " + what + ":\n" + proxy.output());
            }
            String value = until.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + (proxy == null ? "" : ":\n" + proxy.output()));
    }
}
