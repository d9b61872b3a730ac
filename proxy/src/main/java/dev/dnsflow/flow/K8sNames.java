package dev.dnsflow.flow;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The cluster objects behind a flow's addresses; each part is null when unknown, never guessed.
 *
 * @param origin    the pod that really asked, when the sender said so ({@link Flow#origin()})
 * @param client    whoever sent the query to dnsflow (a CoreDNS pod, a NodeLocal instance, a pod itself)
 * @param upstreams one per attempt, in the attempts' order (null where the upstream is not in the cluster);
 *                  shorter lists mean the rest are unknown
 */
public record K8sNames(K8sRef origin, K8sRef client, List<K8sRef> upstreams) {

    public K8sNames {
        // nulls are meaningful here ("not in the cluster"), which List.copyOf refuses
        upstreams = upstreams == null || upstreams.isEmpty() ? List.of()
                : Collections.unmodifiableList(Arrays.asList(upstreams.toArray(new K8sRef[0])));
    }

    /** The object behind attempt {@code i}'s upstream, or null. */
    public K8sRef upstream(int i) {
        return i < upstreams.size() ? upstreams.get(i) : null;
    }

    public boolean isEmpty() {
        return origin == null && client == null && upstreams.stream().allMatch(u -> u == null);
    }

    /**
     * Who asked, in the cluster: the origin's object when the flow has an origin (the pod behind CoreDNS),
     * else the client's (a pod that asked dnsflow directly). Null when unknown.
     */
    public static K8sRef asker(Flow flow) {
        K8sNames names = flow.names();
        if (names == null) {
            return null;
        }
        return flow.origin() != null ? names.origin() : names.client();
    }
}
