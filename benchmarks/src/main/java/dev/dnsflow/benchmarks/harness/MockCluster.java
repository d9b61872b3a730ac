package dev.dnsflow.benchmarks.harness;

import dev.dnsflow.benchmarks.SyntheticCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The API server of the names-on setup: fabric8's mock in CRUD mode (list and watch work as informers need
 * them), in the harness's own process on 127.0.0.1, holding the {@link SyntheticCluster} (10 000 pods,
 * 3 000 Services, 100 nodes), with a kubeconfig for it. The proxy runs as if it were the CoreDNS pod
 * {@code kube-system/coredns-…-x2x9k} (downward-API variables, {@link #podEnv()}): the harness's clients and
 * NSD are on loopback, which dnsflow names as its own pod, so every flow really gets names (two lookups each).
 */
final class MockCluster implements AutoCloseable {
    /** The mock logs every request at INFO; held strongly, as java.util.logging forgets levels. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
    private static final int CREATE_THREADS = 4;

    private final KubernetesMockServer server;
    private final Path kubeconfig;

    private MockCluster(KubernetesMockServer server, Path kubeconfig) {
        this.server = server;
        this.kubeconfig = kubeconfig;
    }

    /** Starts the server, creates every object of the cluster in it and writes {@code dir/kubeconfig}. */
    static MockCluster start(Path dir) throws Exception {
        MOCK_LOG.setLevel(Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        MockCluster cluster = new MockCluster(server, dir.resolve("kubeconfig"));
        try (KubernetesClient client = server.createClient()) {
            create(client, SyntheticCluster.nodes());
            create(client, SyntheticCluster.replicaSets());
            create(client, SyntheticCluster.services());
            create(client, SyntheticCluster.pods());
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        cluster.writeKubeconfig();
        return cluster;
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    /** The downward API of the pod dnsflow runs in: CoreDNS pod 0 (POD_IP lets dnsflow find its workload). */
    static Map<String, String> podEnv() {
        return Map.of("POD_NAME", SyntheticCluster.podName(0), "POD_NAMESPACE", SyntheticCluster.podNamespace(0),
                "NODE_NAME", SyntheticCluster.nodeName(0), "POD_IP", SyntheticCluster.podIp(0));
    }

    /** What the report says about the cluster. */
    static String describe() {
        return String.format("fabric8's mock API server (CRUD mode, in the harness's process) holding %,d pods, %,d Services, "
                + "%,d nodes and %,d ReplicaSets", SyntheticCluster.PODS, SyntheticCluster.SERVICES, SyntheticCluster.NODES,
                SyntheticCluster.DEPLOYMENTS + 1);
    }

    /** Creates {@code objects} over the API, a few at a time (the mock serialises writes, the client's round trips need not). */
    private static void create(KubernetesClient client, List<? extends HasMetadata> objects) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
        try {
            int per = (objects.size() + CREATE_THREADS - 1) / CREATE_THREADS;
            List<Future<?>> parts = new ArrayList<>();
            for (int from = 0; from < objects.size(); from += per) {
                List<? extends HasMetadata> part = objects.subList(from, Math.min(objects.size(), from + per));
                parts.add(pool.submit(() -> part.forEach(o -> client.resource(o).create())));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void writeKubeconfig() {
        String yaml = String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: mock",
                "  cluster:",
                "    server: " + server.url("").replaceAll("/$", ""),
                "contexts:",
                "- name: mock",
                "  context:",
                "    cluster: mock",
                "    user: bench",
                "    namespace: default",
                "current-context: mock",
                "users:",
                "- name: bench",
                "  user:",
                "    token: bench",
                "");
        try {
            Files.writeString(kubeconfig, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + kubeconfig, e);
        }
    }

    @Override
    public void close() {
        server.destroy();
    }
}
