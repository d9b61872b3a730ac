package dev.dnsflow.k8s;

import dev.dnsflow.flow.K8sRef;

/**
 * What an IP address is in the cluster: a pod (with the workload a person would name and its
 * node), a Service (by one of its cluster IPs) or a node (by an InternalIP). Instances are shared by
 * every lookup; a pod's workload can sharpen after the fact (a ReplicaSet seen after its pod turns
 * into its Deployment), which is why it is read through {@link #workload()}.
 */
public final class K8sObject {
    public static final String POD = K8sRef.POD;
    public static final String SERVICE = K8sRef.SERVICE;
    public static final String NODE = K8sRef.NODE;

    /** The owner a person would name: Deployment, CronJob, StatefulSet, DaemonSet, a bare ReplicaSet or Job… */
    public record Workload(String kind, String name) {
    }

    /** A pod's owner as last resolved; shared by the pods of one ReplicaSet or Job. */
    static final class Owner {
        volatile Workload workload;

        Owner(Workload workload) {
            this.workload = workload;
        }
    }

    private final String kind;
    private final String namespace;
    private final String name;
    private final String node;
    private final Owner owner;
    /** What flows carry, built once per workload this object has had (so naming a flow allocates nothing). */
    private volatile Named named;

    /** The flow's form of this object and the workload it was built with (an owner's workload is replaced, never changed). */
    private record Named(Workload from, K8sRef ref) {
    }

    K8sObject(String kind, String namespace, String name, String node, Owner owner) {
        this.kind = kind;
        this.namespace = namespace;
        this.name = name;
        this.node = node;
        this.owner = owner;
    }

    /** {@link #POD}, {@link #SERVICE} or {@link #NODE}. */
    public String kind() {
        return kind;
    }

    /** Null for nodes. */
    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    /** The node a pod runs on; null for services and nodes (and pods not yet scheduled). */
    public String node() {
        return node;
    }

    /** The pod's workload, or null (no owner, or not a pod). */
    public Workload workload() {
        return owner == null ? null : owner.workload;
    }

    public String workloadKind() {
        Workload w = workload();
        return w == null ? null : w.kind();
    }

    public String workloadName() {
        Workload w = workload();
        return w == null ? null : w.name();
    }

    /** This object as a flow names it; the same instance until its workload sharpens. */
    public K8sRef ref() {
        Workload w = workload();
        Named n = named;
        if (n == null || n.from() != w) {
            n = new Named(w, new K8sRef(kind, namespace, name, w == null ? null : w.kind(), w == null ? null : w.name(), node));
            named = n;
        }
        return n.ref();
    }

    @Override
    public String toString() {
        Workload w = workload();
        return kind + " " + (namespace == null ? "" : namespace + "/") + name
                + (w == null ? "" : " (" + w.kind() + "/" + w.name() + ")") + (node == null ? "" : " on " + node);
    }
}
