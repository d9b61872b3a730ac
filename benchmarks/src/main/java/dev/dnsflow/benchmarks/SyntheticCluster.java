package dev.dnsflow.benchmarks;

import dev.dnsflow.k8s.ClusterIndex;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * A large cluster as the API server would send it, only the fields dnsflow reads: {@value #NODES} nodes,
 * {@value #SERVICES} Services, {@value #PODS} pods of {@value #DEPLOYMENTS} Deployments (each through its
 * ReplicaSet) in {@value #NAMESPACES} namespaces. The same cluster feeds {@link NamesBenchmark}'s index and
 * the harness's mock API server, so both measure the same lookups.
 *
 * <p>Addresses: node {@code n} is {@code 192.168.n.10}; pod {@code p} is {@code 10.1.p/256.p%256}
 * ({@code 10.1.0.0}–{@code 10.1.39.15}); Service {@code s} is {@code 10.96.s/256.s%256}. Pods 0 and 1 are
 * CoreDNS ({@code kube-system/coredns-…}), Service 10 is {@code kube-system/kube-dns} at {@code 10.96.0.10},
 * as in a kubeadm cluster.
 */
public final class SyntheticCluster {
    public static final int NODES = 100;
    public static final int SERVICES = 3_000;
    public static final int PODS = 10_000;
    public static final int DEPLOYMENTS = 2_000;
    public static final int NAMESPACES = 50;
    /** All objects created a day ago: every flow of a run resolves by time. */
    private static final String CREATED = java.time.Instant.now().minusSeconds(86_400).toString();
    private static final String COREDNS_RS = "coredns-7db6d8ff4d";

    private SyntheticCluster() {
    }

    public static String podIp(int p) {
        return "10.1." + p / 256 + "." + p % 256;
    }

    public static String serviceIp(int s) {
        return "10.96." + s / 256 + "." + s % 256;
    }

    public static String nodeIp(int n) {
        return "192.168." + n + ".10";
    }

    /** Pod {@code p}'s namespace and name. */
    public static String podNamespace(int p) {
        return p < 2 ? "kube-system" : "team-" + deployment(p) % NAMESPACES;
    }

    public static String podName(int p) {
        return p < 2 ? COREDNS_RS + "-" + (p == 0 ? "x2x9k" : "q8wzt")
                : replicaSetName(deployment(p)) + "-" + Integer.toString(p, 36) + "xq9z";
    }

    public static String nodeName(int n) {
        return "node-" + n;
    }

    public static List<Node> nodes() {
        List<Node> nodes = new ArrayList<>(NODES);
        for (int n = 0; n < NODES; n++) {
            nodes.add(new NodeBuilder().withNewMetadata().withName(nodeName(n)).withUid("uid-node-" + n)
                    .withCreationTimestamp(CREATED).endMetadata()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress(nodeIp(n)).endAddress()
                    .addNewAddress().withType("Hostname").withAddress(nodeName(n)).endAddress().endStatus().build());
        }
        return nodes;
    }

    /** One per Deployment, plus CoreDNS's. */
    public static List<ReplicaSet> replicaSets() {
        List<ReplicaSet> sets = new ArrayList<>(DEPLOYMENTS + 1);
        sets.add(replicaSet("kube-system", COREDNS_RS, "coredns"));
        for (int d = 0; d < DEPLOYMENTS; d++) {
            sets.add(replicaSet("team-" + d % NAMESPACES, replicaSetName(d), "deployment-" + d));
        }
        return sets;
    }

    public static List<Pod> pods() {
        List<Pod> pods = new ArrayList<>(PODS);
        for (int p = 0; p < PODS; p++) {
            String rs = p < 2 ? COREDNS_RS : replicaSetName(deployment(p));
            pods.add(new PodBuilder()
                    .withNewMetadata().withNamespace(podNamespace(p)).withName(podName(p)).withUid("uid-pod-" + p)
                    .withCreationTimestamp(CREATED).withOwnerReferences(owner("ReplicaSet", rs)).endMetadata()
                    .withNewSpec().withNodeName(nodeName(p % NODES)).addNewContainer().withName("app").withImage("app")
                    .endContainer().endSpec()
                    .withNewStatus().withPhase("Running").withPodIP(podIp(p)).withPodIPs(new PodIP(podIp(p))).endStatus()
                    .build());
        }
        return pods;
    }

    public static List<Service> services() {
        List<Service> services = new ArrayList<>(SERVICES);
        for (int s = 0; s < SERVICES; s++) {
            String namespace = s == 10 ? "kube-system" : "team-" + s % NAMESPACES;
            String name = s == 10 ? "kube-dns" : "service-" + s;
            services.add(new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                    .withUid("uid-svc-" + s).withCreationTimestamp(CREATED).endMetadata()
                    .withNewSpec().withClusterIP(serviceIp(s)).withClusterIPs(serviceIp(s)).endSpec().build());
        }
        return services;
    }

    /** The whole cluster in a fresh index, as the informers would leave it. */
    public static ClusterIndex index() {
        ClusterIndex index = new ClusterIndex();
        nodes().forEach(index::upsertNode);
        replicaSets().forEach(index::upsertReplicaSet);
        pods().forEach(index::upsertPod);
        services().forEach(index::upsertService);
        return index;
    }

    private static int deployment(int p) {
        return p % DEPLOYMENTS;
    }

    private static String replicaSetName(int d) {
        return "deployment-" + d + "-5d9c8f7b6";
    }

    private static ReplicaSet replicaSet(String namespace, String name, String deployment) {
        return new ReplicaSetBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-rs-" + name)
                .withCreationTimestamp(CREATED).withOwnerReferences(owner("Deployment", deployment)).endMetadata().build();
    }

    private static OwnerReference owner(String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind(kind).withName(name)
                .withUid("uid-" + kind + "-" + name).withController(true).build();
    }
}
