package dev.dnsflow.flow;

/**
 * What one of a flow's addresses is in the Kubernetes cluster, as a person names it: a pod (with its
 * namespace, the workload that owns it and its node), a Service or a node. Written as the {@code k8s}
 * object of {@code client} and {@code origin} and as each attempt's {@code upstream_k8s}. The engine only
 * carries it; the cluster-aware module fills it in.
 *
 * @param kind         {@link #POD}, {@link #SERVICE} or {@link #NODE}
 * @param namespace    null for nodes
 * @param workloadKind the owner a person would name (Deployment, StatefulSet, DaemonSet, CronJob, Job…); pods only, may be null
 * @param node         the node a pod runs on; pods only, may be null
 */
public record K8sRef(String kind, String namespace, String name, String workloadKind, String workloadName, String node) {
    public static final String POD = "pod";
    public static final String SERVICE = "service";
    public static final String NODE = "node";

    public K8sRef {
        if (kind == null || name == null) {
            throw new IllegalArgumentException("a Kubernetes object needs a kind and a name");
        }
        if (workloadKind == null != (workloadName == null)) {
            throw new IllegalArgumentException("a workload needs both its kind and its name");
        }
    }

    public static K8sRef node(String name) {
        return new K8sRef(NODE, null, name, null, null, null);
    }

    public boolean isPod() {
        return POD.equals(kind);
    }

    public boolean hasWorkload() {
        return workloadKind != null;
    }

    public boolean isNode() {
        return NODE.equals(kind);
    }

    /**
     * The workload a person would name, {@code default/Deployment/web}; a pod no controller owns is its own
     * ({@code default/Pod/mypod}). Null for Services and nodes, which are no workload.
     */
    public String workload() {
        if (!isPod()) {
            return null;
        }
        return hasWorkload() ? namespace + "/" + workloadKind + "/" + workloadName : namespace + "/Pod/" + name;
    }

    /** {@code default/mypod}, as kubectl and Inspektor Gadget print it; a node by its name alone. */
    public String display() {
        return namespace == null ? name : namespace + "/" + name;
    }
}
