package dev.dnsflow.flow;

import java.util.List;

/**
 * One client query from arrival to answer: the record every sink, API and later feature shares.
 * Immutable. {@code response} is null only when no answer was sent; {@code chaos} is null unless a chaos
 * rule touched the query; {@code origin} is null unless the sender told us who really asked;
 * {@code coredns} is null unless the sidecar joined CoreDNS's own record of the query.
 *
 * @param id             unique and sortable by time (see {@link FlowIds})
 * @param timeEpochNanos when the query arrived, nanoseconds since the epoch
 * @param client         whoever sent the packet to dnsflow
 */
public record Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query,
                   List<Attempt> attempts, FlowResponse response, long durationMicros, Outcome outcome,
                   ChaosMark chaos, Origin origin, CorednsSide coredns) {

    public Flow {
        attempts = List.copyOf(attempts);
    }

    /** A flow no chaos rule touched. */
    public Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query, List<Attempt> attempts,
                FlowResponse response, long durationMicros, Outcome outcome) {
        this(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, null, null, null);
    }

    /** A flow as dnsflow saw it, before anything from CoreDNS's side is joined in. */
    public Flow(String id, long timeEpochNanos, Endpoint client, QueryInfo query, List<Attempt> attempts,
                FlowResponse response, long durationMicros, Outcome outcome, ChaosMark chaos, Origin origin) {
        this(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, origin, null);
    }

    /** This flow with CoreDNS's side joined in (and the origin it gave, unless one was already known). */
    public Flow joined(Origin fromCoredns, CorednsSide side) {
        Origin o = origin == null ? fromCoredns : fromCoredns == null ? origin : origin.withId(fromCoredns.id());
        return new Flow(id, timeEpochNanos, client, query, attempts, response, durationMicros, outcome, chaos, o, side);
    }
}
