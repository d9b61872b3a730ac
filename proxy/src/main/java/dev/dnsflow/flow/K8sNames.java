package dev.dnsflow.flow;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

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
                : upstreams instanceof Refs ? upstreams : new Refs(upstreams.toArray(new K8sRef[0]));
    }

    /**
     * Names with the first {@code count} of {@code upstreams} as the attempts' upstreams. The refs are copied, so
     * the caller may reuse its array: one array and one small list per flow, on the recorder's hot path.
     */
    public static K8sNames of(K8sRef origin, K8sRef client, K8sRef[] upstreams, int count) {
        return new K8sNames(origin, client, count == 0 ? List.of() : new Refs(Arrays.copyOf(upstreams, count)));
    }

    /** The object behind attempt {@code i}'s upstream, or null. */
    public K8sRef upstream(int i) {
        return i < upstreams.size() ? upstreams.get(i) : null;
    }

    public boolean isEmpty() {
        if (origin != null || client != null) {
            return false;
        }
        for (int i = 0; i < upstreams.size(); i++) {
            if (upstreams.get(i) != null) {
                return false;
            }
        }
        return true;
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

    /** An unmodifiable list over an array no one else holds; unlike {@link List#of}, it keeps nulls. */
    private static final class Refs extends AbstractList<K8sRef> implements RandomAccess {
        private final K8sRef[] refs;

        Refs(K8sRef[] refs) {
            this.refs = refs;
        }

        @Override
        public K8sRef get(int index) {
            return refs[index];
        }

        @Override
        public int size() {
            return refs.length;
        }
    }
}
