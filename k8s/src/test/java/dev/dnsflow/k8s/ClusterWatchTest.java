package dev.dnsflow.k8s;

import static dev.dnsflow.k8s.Objects.node;
import static dev.dnsflow.k8s.Objects.owner;
import static dev.dnsflow.k8s.Objects.ownedPod;
import static dev.dnsflow.k8s.Objects.pod;
import static dev.dnsflow.k8s.Objects.replicaSet;
import static dev.dnsflow.k8s.Objects.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ClusterWatchTest {
    /** The mock API server logs every request at INFO; held strongly, as java.util.logging forgets levels. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;
    KubernetesMockServer server;

    private final ClusterIndex index = new ClusterIndex();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private String now(String ip) {
        K8sObject o = index.lookup(ip, System.currentTimeMillis());
        return o == null ? "-" : o.toString();
    }

    @Test
    void theIndexFollowsTheClusterAndTheMetricsSayWhatIsSynced() throws Exception {
        long created = System.currentTimeMillis() - 60_000;
        client.apps().replicaSets().inNamespace("shop").resource(replicaSet("shop", "web-5d9c", "web")).create();
        client.pods().inNamespace("shop").resource(ownedPod("shop", "web-5d9c-a", owner("ReplicaSet", "web-5d9c"), "10.0.0.5")
                .edit().editMetadata().withCreationTimestamp(java.time.Instant.ofEpochMilli(created).toString()).endMetadata()
                .build()).create();
        client.nodes().resource(node("node-1", "192.168.1.10", "203.0.113.10")).create();
        client.pods().inNamespace("kube-system").resource(pod("kube-system", "kube-proxy-x", created, "192.168.1.10")
                .editSpec().withHostNetwork(true).endSpec().build()).create();
        client.services().inNamespace("shop").resource(service("shop", "web", "10.96.0.20", "fd00:96::20")).create();

        try (ClusterWatch watch = ClusterWatch.start(client, index, registry)) {
            assertThat(watch.awaitSynced(Duration.ofSeconds(20))).isTrue();
            assertThat(watch.synced()).isTrue();
            assertThat(registry.get("dnsflow.kubernetes.synced").tag("resource", "pods").gauge().value()).isEqualTo(1);
            assertThat(registry.get("dnsflow.kubernetes.objects").tag("resource", "pods").gauge().value()).isEqualTo(2);
            assertThat(registry.get("dnsflow.kubernetes.objects").tag("resource", "services").gauge().value()).isEqualTo(1);
            assertThat(registry.get("dnsflow.kubernetes.synced").gauges()).hasSize(5);

            assertThat(now("10.0.0.5")).isEqualTo("pod shop/web-5d9c-a (Deployment/web) on node-1");
            assertThat(now("192.168.1.10")).as("hostNetwork pod's IP is the node").isEqualTo("node node-1");
            assertThat(now("fd00:96::20")).isEqualTo("service shop/web");

            // relabelled and moved to a new address: the index follows
            client.pods().inNamespace("shop").withName("web-5d9c-a").edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p)
                    .editMetadata().addToLabels("tier", "front").endMetadata()
                    .editStatus().withPodIP("10.0.0.6").withPodIPs(new io.fabric8.kubernetes.api.model.PodIP("10.0.0.6")).endStatus()
                    .build());
            await(() -> now("10.0.0.6"), "pod shop/web-5d9c-a (Deployment/web) on node-1");
            assertThat(now("10.0.0.5")).isEqualTo("-");

            // a pod seen before its ReplicaSet names the Deployment once the ReplicaSet arrives
            client.pods().inNamespace("shop").resource(ownedPod("shop", "api-77-a", owner("ReplicaSet", "api-77"), "10.0.0.7")).create();
            await(() -> now("10.0.0.7"), "pod shop/api-77-a (ReplicaSet/api-77) on node-1");
            client.apps().replicaSets().inNamespace("shop").resource(replicaSet("shop", "api-77", "api")).create();
            await(() -> now("10.0.0.7"), "pod shop/api-77-a (Deployment/api) on node-1");

            // deleted: gone for flows from now on, still known for flows that started before
            long beforeDeletion = System.currentTimeMillis() - 1;
            client.pods().inNamespace("shop").withName("web-5d9c-a").delete();
            await(() -> now("10.0.0.6"), "-");
            assertThat(index.lookup("10.0.0.6", beforeDeletion).name()).isEqualTo("web-5d9c-a");
            await(() -> registry.get("dnsflow.kubernetes.objects").tag("resource", "pods").gauge().value(), 2.0);
        }
        assertThat(registry.find("dnsflow.kubernetes.synced").gauges()).as("meters removed on close").isEmpty();
    }

    /** The informers' caches keep only namespace, name and uid; a resync must not restate a pod from that remnant. */
    @Test
    void resyncsLeaveTheIndexAsItWas() throws Exception {
        client.pods().inNamespace("shop").resource(pod("shop", "web-1", System.currentTimeMillis() - 60_000, "10.0.0.5")
                .build()).create();

        try (ClusterWatch watch = ClusterWatch.start(client, index, registry, 100)) {
            assertThat(watch.awaitSynced(Duration.ofSeconds(20))).isTrue();
            await(() -> now("10.0.0.5"), "pod shop/web-1 on node-1");
            Thread.sleep(1_000); // ten resyncs
            assertThat(now("10.0.0.5")).isEqualTo("pod shop/web-1 on node-1");
            client.pods().inNamespace("shop").withName("web-1").delete();
            await(() -> now("10.0.0.5"), "-"); // a deletion still finds the pod by what the cache kept
        }
    }

    @Test
    void aRefusedListIsCountedByResourceAndReasonAndRetried() throws Exception {
        server.expect().get().withPath("/api/v1/pods?limit=" + ClusterWatch.LIST_PAGE).andReturn(403, "forbidden").once();

        try (ClusterWatch watch = ClusterWatch.start(client, index, registry)) {
            assertThat(watch.awaitSynced(Duration.ofSeconds(30))).isTrue();
            assertThat(registry.get("dnsflow.kubernetes.watch.errors").tag("resource", "pods").tag("reason", "http_403")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void failureReasonsAreAFewBoundedLabels() {
        assertThat(ClusterWatch.reason(new io.fabric8.kubernetes.client.KubernetesClientException("forbidden", 403, null)))
                .isEqualTo("http_403");
        assertThat(ClusterWatch.reason(new RuntimeException(new java.net.ConnectException("refused")))).isEqualTo("io");
        assertThat(ClusterWatch.reason(new java.util.concurrent.CompletionException(
                new io.fabric8.kubernetes.client.KubernetesClientException("too old resource version", 410, null))))
                .as("a watch refused with 410 at its start is 'gone', as the README lists it").isEqualTo("gone");
        assertThat(ClusterWatch.reason(new IllegalStateException("?"))).isEqualTo("other");
    }

    private static <T> void await(Supplier<T> actual, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!expected.equals(actual.get()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(actual.get()).isEqualTo(expected);
    }
}
