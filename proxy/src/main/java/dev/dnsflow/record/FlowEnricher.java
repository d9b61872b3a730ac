package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.WireCapture;
import java.util.List;

/**
 * Enriches flows between the event loops and the ring and sinks, on the recorder's thread: it may hold
 * flows back, change them (add what another source knew about the query) or add flows of its own (the
 * sidecar joins CoreDNS's dnstap in here). Single-threaded by construction, so it needs no locks. Not a
 * {@code pipeline.Stage}: those are steps of the query path, on the event loops.
 */
public interface FlowEnricher {
    /** Where finished flows go: the ring and every sink. */
    @FunctionalInterface
    interface Output {
        void deliver(Flow flow, WireCapture wire);
    }

    /** A flow from the event loops. */
    void accept(Flow flow, WireCapture wire, Output out);

    /** Called at least every few milliseconds: time to release held flows whose wait is over. */
    void tick(long nowEpochNanos, Output out);

    /** Releases everything still held (shutdown). */
    void flush(Output out);

    /** {@code enrichers} one after another, in order; at least one. */
    static FlowEnricher chain(List<FlowEnricher> enrichers) {
        if (enrichers.isEmpty()) {
            throw new IllegalArgumentException("no enricher to chain");
        }
        return enrichers.size() == 1 ? enrichers.get(0) : new EnricherChain(enrichers);
    }
}
