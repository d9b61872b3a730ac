package dev.dnsflow.k8s;

import dev.dnsflow.flow.K8sRef;
import java.util.Map;

/**
 * An address → the cluster object it was at a given time ({@link ClusterIndex}), plus one thing the index
 * cannot know: a loopback address is dnsflow's own pod (CoreDNS in the same pod, in the sidecar setup),
 * which the downward API tells us ({@code POD_NAME}, {@code POD_NAMESPACE}, {@code NODE_NAME}, and
 * {@code POD_IP} to find its workload in the index). Not thread-safe: the recorder's thread owns it.
 */
final class AddressNamer {
    /** How long our own pod's name is reused: its workload can sharpen, within a second is soon enough. */
    static final long SELF_REFRESH_MILLIS = 1_000;

    private final ClusterIndex index;
    /** dnsflow's own pod from the environment, or null outside a pod. */
    private final K8sRef self;
    private final String selfIp;
    /**
     * Our own pod as last looked up, and for which flow time: in the sidecar every flow's client is loopback,
     * so it is asked for on every flow, and it changes only when our own pod does. Recorder thread only.
     */
    private K8sRef selfSeen;
    private long selfSeenAt = Long.MIN_VALUE;

    AddressNamer(ClusterIndex index, Map<String, String> env) {
        this.index = index;
        String pod = env.get("POD_NAME");
        String namespace = env.get("POD_NAMESPACE");
        this.self = pod == null || pod.isBlank() || namespace == null || namespace.isBlank() ? null
                : new K8sRef(K8sRef.POD, namespace, pod, null, null, blankToNull(env.get("NODE_NAME")));
        this.selfIp = blankToNull(env.get("POD_IP"));
    }

    /** What {@code ip} was at {@code atEpochMillis}; null when unknown. */
    K8sRef name(String ip, long atEpochMillis) {
        if (ip == null) {
            return null;
        }
        if (isLoopback(ip)) {
            return self(atEpochMillis);
        }
        K8sObject found = index.lookup(ip, atEpochMillis);
        return found == null ? null : found.ref();
    }

    /** Our own pod: as the index knows it (with its workload) when it can, else from the environment alone. */
    private K8sRef self(long atEpochMillis) {
        if (selfIp == null) {
            return self;
        }
        if (Math.abs(atEpochMillis - selfSeenAt) >= SELF_REFRESH_MILLIS) {
            K8sObject found = index.lookup(selfIp, atEpochMillis);
            selfSeen = found != null && found.ref().isPod() ? found.ref() : self;
            selfSeenAt = atEpochMillis;
        }
        return selfSeen;
    }

    static boolean isLoopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1") || ip.equals("0:0:0:0:0:0:0:1");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
