package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.WireCapture;
import java.util.List;

/**
 * Several enrichers in order (the sidecar's join, then Kubernetes names, say): what one delivers, the
 * next accepts; what the last delivers goes to the ring and sinks. On the recorder's thread only.
 */
final class EnricherChain implements FlowEnricher {
    private final FlowEnricher[] enrichers;
    /** outputs[i] feeds enricher i+1, the last one {@code out}; rebuilt only if {@code out} changes. */
    private Output[] outputs;
    private Output out;

    EnricherChain(List<FlowEnricher> enrichers) {
        this.enrichers = enrichers.toArray(FlowEnricher[]::new);
    }

    @Override
    public void accept(Flow flow, WireCapture wire, Output out) {
        enrichers[0].accept(flow, wire, outputs(out)[0]);
    }

    @Override
    public void tick(long nowEpochNanos, Output out) {
        Output[] after = outputs(out);
        for (int i = 0; i < enrichers.length; i++) {
            enrichers[i].tick(nowEpochNanos, after[i]);
        }
    }

    @Override
    public void flush(Output out) {
        Output[] after = outputs(out);
        for (int i = 0; i < enrichers.length; i++) {
            enrichers[i].flush(after[i]); // in order: what one releases, the next still sees before it flushes
        }
    }

    private Output[] outputs(Output out) {
        if (out != this.out) {
            Output[] built = new Output[enrichers.length];
            built[enrichers.length - 1] = out;
            for (int i = enrichers.length - 2; i >= 0; i--) {
                FlowEnricher next = enrichers[i + 1];
                Output after = built[i + 1];
                built[i] = (flow, wire) -> next.accept(flow, wire, after);
            }
            this.outputs = built;
            this.out = out;
        }
        return outputs;
    }
}
