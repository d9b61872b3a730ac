package dev.dnsflow.flow;

import java.util.List;

/**
 * One client query from arrival to answer: the record every sink, API and later feature shares.
 * Immutable. {@code response} is null only when no answer was sent; {@code chaos} is null unless a chaos
 * rule touched the query; {@code origin} is null unless the sender told us who really asked; {@code names} is
 * null unless the cluster-aware module knew what some of the flow's addresses are ({@link K8sNames}).
 * What other capabilities add (CoreDNS's own record of the query, joined in by the sidecar: {@link CorednsSide})
 * travels in {@code extensions}: {@link #get} and {@link #with}, see {@link FlowExtension}.
 *
 * @param id             unique and sortable by time (see {@link FlowIds})
 * @param timeEpochNanos when the query arrived, nanoseconds since the epoch
 * @param client         whoever sent the packet to dnsflow
 * @param extensions     never null: {@link Extensions#NONE} when there are none (null is taken as none)
 */
public record Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query,
                   List<Attempt> attempts, FlowResponse response, long durationMicros, Outcome outcome,
                   ChaosMark chaos, Origin origin, K8sNames names, Extensions extensions) {

    public Flow {
        attempts = List.copyOf(attempts);
        extensions = extensions == null ? Extensions.NONE : extensions;
    }

    /** A flow no chaos rule touched. */
    public Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query, List<Attempt> attempts,
                FlowResponse response, long durationMicros, Outcome outcome) {
        this(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, null, null, Extensions.NONE);
    }

    /** A flow as dnsflow saw it, before any capability adds its part. */
    public Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query, List<Attempt> attempts,
                FlowResponse response, long durationMicros, Outcome outcome, ChaosMark chaos, Origin origin) {
        this(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, origin, null, Extensions.NONE);
    }

    /** A flow with its capabilities' parts, but no cluster names. */
    public Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query, List<Attempt> attempts,
                FlowResponse response, long durationMicros, Outcome outcome, ChaosMark chaos, Origin origin,
                Extensions extensions) {
        this(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, origin, null, extensions);
    }

    /** This flow naming the cluster objects behind its addresses (null: none known). */
    public Flow withNames(K8sNames k8s) {
        return new Flow(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, origin,
                k8s == null || k8s.isEmpty() ? null : k8s, extensions);
    }

    /** This flow's value for {@code key}, or null. */
    public <T> T get(FlowExtension<T> key) {
        return extensions.get(key);
    }

    /** This flow with {@code key} set to {@code value} (null removes it). */
    public <T> Flow with(FlowExtension<T> key, T value) {
        return new Flow(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, origin,
                names, extensions.with(key, value));
    }

    /** This flow with CoreDNS's side joined in (and the origin it gave, unless one was already known). */
    public Flow joined(Origin fromCoredns, CorednsSide side) {
        // A hand-off's origin already holds the pod's own ID; CoreDNS's client (the node's dnsflow) had another.
        Origin o = origin == null ? fromCoredns : fromCoredns == null || "nodelocal".equals(origin.source()) ? origin
                : origin.withId(fromCoredns.id());
        return new Flow(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, o,
                names, extensions.with(CorednsSide.KEY, side));
    }
}
