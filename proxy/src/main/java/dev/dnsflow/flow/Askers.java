package dev.dnsflow.flow;

/**
 * Who asked, as the keys that group and rank flows by it ({@code top?by=namespace|workload|pod},
 * {@code dnsflow diagnose}'s workloads): {@code default}, {@code default/Deployment/web}, {@code default/mypod}.
 * A flow whose asker is not known counts under {@link #UNKNOWN}; an asker that is no pod (a node, for a
 * hostNetwork pod) under {@code (node) worker-1}. Neither can be a namespace or pod name, so no key is ambiguous.
 */
public final class Askers {
    /** The key of flows whose asker is not known (no Kubernetes names, or an address outside the cluster). */
    public static final String UNKNOWN = "(unknown)";

    private Askers() {
    }

    /** The asker's namespace. */
    public static String namespace(Flow flow) {
        K8sRef asker = K8sNames.asker(flow);
        if (asker == null) {
            return UNKNOWN;
        }
        return asker.namespace() != null ? asker.namespace() : notAPod(asker);
    }

    /** {@code default/Deployment/web}, see {@link K8sRef#workload()}. */
    public static String workload(Flow flow) {
        K8sRef asker = K8sNames.asker(flow);
        if (asker == null) {
            return UNKNOWN;
        }
        return asker.isPod() ? asker.workload() : notAPod(asker);
    }

    /** {@code default/mypod}. */
    public static String pod(Flow flow) {
        K8sRef asker = K8sNames.asker(flow);
        if (asker == null) {
            return UNKNOWN;
        }
        return asker.isPod() ? asker.display() : notAPod(asker);
    }

    private static String notAPod(K8sRef asker) {
        return "(" + asker.kind() + ") " + asker.display();
    }
}
