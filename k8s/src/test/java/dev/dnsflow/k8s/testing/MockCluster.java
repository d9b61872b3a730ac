package dev.dnsflow.k8s.testing;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A cluster for {@code dnsflow install} tests on fabric8's CRUD mock API server: a distribution's CoreDNS objects as it
 * ships them (the fixtures in {@code src/test/resources/distributions}, documented in their README), a kubeconfig pointing at the server, and,
 * when asked, a stand-in for the Deployment controller that reports every rollout complete (the mock runs no
 * controllers, so without it a rollout never ends).
 */
public final class MockCluster implements AutoCloseable {
    private final KubernetesClient client;
    private final ScheduledExecutorService controller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-deployment-controller");
        t.setDaemon(true);
        return t;
    });

    public MockCluster(KubernetesClient client) {
        this.client = client;
    }

    /** The distribution's objects as in its fixture file, created in the API server; returns them as loaded. */
    public List<HasMetadata> load(String distribution) throws IOException {
        List<HasMetadata> objects = fixture(distribution);
        for (HasMetadata o : objects) {
            client.resource(o).create();
        }
        return objects;
    }

    public List<HasMetadata> fixture(String distribution) throws IOException {
        try (InputStream in = MockCluster.class.getResourceAsStream("/distributions/" + distribution + ".yaml")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture distributions/" + distribution + ".yaml");
            }
            return client.load(in).items();
        }
    }

    /** From now on, every Deployment's rollout completes within a fraction of a second, as if its pods came up at once. */
    public MockCluster rolloutsComplete() {
        controller.scheduleWithFixedDelay(this::completeRollouts, 0, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    private void completeRollouts() {
        try {
            for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
                int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
                Long generation = d.getMetadata().getGeneration();
                boolean done = d.getStatus() != null && d.getStatus().getUpdatedReplicas() != null
                        && d.getStatus().getUpdatedReplicas() == replicas && java.util.Objects.equals(d.getStatus().getObservedGeneration(),
                        generation);
                if (!done) {
                    d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(generation).withReplicas(replicas)
                            .withUpdatedReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas).build());
                    client.resource(d).updateStatus();
                }
            }
        } catch (RuntimeException e) {
            // a conflict with install's own write: the next round sees the new generation
        }
    }

    /** CoreDNS's Deployment as the API server has it now. */
    public Deployment deployment() {
        return client.apps().deployments().inNamespace("kube-system").withName("coredns").get();
    }

    /** CoreDNS's ConfigMap as the API server has it now. */
    public ConfigMap configMap() {
        return client.configMaps().inNamespace("kube-system").withName("coredns").get();
    }

    /**
     * What install changes, as it is now: the Deployment's spec, labels and annotations, the ConfigMap's data and
     * annotations, and whether the objects install creates exist. Equal snapshots: nothing install touches differs.
     */
    public Snapshot snapshot() {
        Deployment d = deployment();
        ConfigMap cm = configMap();
        return new Snapshot(client.getKubernetesSerialization().asJson(d.getSpec()), emptyIsNull(d.getMetadata().getLabels()),
                emptyIsNull(d.getMetadata().getAnnotations()), cm.getData(), emptyIsNull(cm.getMetadata().getAnnotations()),
                client.rbac().clusterRoles().withName("dnsflow").get() != null,
                client.rbac().clusterRoleBindings().withName("dnsflow-coredns").get() != null,
                client.secrets().inNamespace("kube-system").withName("dnsflow-admin-token").get() != null);
    }

    /** See {@link #snapshot()}. */
    public record Snapshot(String deploymentSpec, Map<String, String> deploymentLabels, Map<String, String> deploymentAnnotations,
                           Map<String, String> corefileData, Map<String, String> configMapAnnotations, boolean clusterRole,
                           boolean binding, boolean tokenSecret) {
    }

    /** The API server does not tell an empty map from none. */
    private static Map<String, String> emptyIsNull(Map<String, String> m) {
        return m == null || m.isEmpty() ? null : m;
    }

    /** A kubeconfig for {@code url} with a bearer token, in {@code dir}. */
    public static Path kubeconfig(Path dir, String url, String token) throws IOException {
        return Files.writeString(dir.resolve("kubeconfig"), String.join("\n",
                "apiVersion: v1", "kind: Config", "current-context: mock",
                "clusters:", "- name: mock", "  cluster:", "    server: " + url, "    insecure-skip-tls-verify: true",
                "users:", "- name: test", "  user:", "    token: " + token,
                "contexts:", "- name: mock", "  context:", "    cluster: mock", "    user: test", ""));
    }

    public Path kubeconfig(Path dir) throws IOException {
        return kubeconfig(dir, client.getConfiguration().getMasterUrl(), "any-token");
    }

    @Override
    public void close() {
        controller.shutdownNow();
    }
}
