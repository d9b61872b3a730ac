package dev.dnsflow.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.testing.Flows;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Enrichers in a row: each sees what the one before delivers, including what it releases on tick and flush. */
class EnricherChainTest {
    private final List<String> delivered = new ArrayList<>();
    private final FlowEnricher.Output out = (flow, wire) -> delivered.add(flow.id());

    @Test
    void eachEnricherSeesWhatTheOneBeforeDeliversInOrder() {
        FlowEnricher chain = FlowEnricher.chain(List.of(renaming("a"), renaming("b")));

        chain.accept(Flows.sample(), null, out);

        assertThat(delivered).containsExactly(Flows.sample().id() + "+a+b");
    }

    @Test
    void flowsHeldByTheFirstReachTheSecondWhenTheyAreReleased() {
        Holding holding = new Holding();
        FlowEnricher chain = FlowEnricher.chain(List.of(holding, renaming("b")));

        chain.accept(Flows.sample(), null, out);
        assertThat(delivered).isEmpty();
        chain.tick(0, out);
        assertThat(delivered).containsExactly(Flows.sample().id() + "+b");

        chain.accept(Flows.sample(), null, out);
        chain.flush(out);
        assertThat(delivered).hasSize(2).allMatch(id -> id.endsWith("+b"));
    }

    @Test
    void oneEnricherIsUsedAsItIs() {
        FlowEnricher only = renaming("a");
        assertThat(FlowEnricher.chain(List.of(only))).isSameAs(only);
    }

    private static FlowEnricher renaming(String tag) {
        return new Holding() {
            @Override
            public void accept(Flow flow, WireCapture wire, Output out) {
                out.deliver(withId(flow, flow.id() + "+" + tag), wire);
            }
        };
    }

    private static Flow withId(Flow f, String id) {
        return new Flow(id, f.timeEpochNanos(), f.client(), f.query(), f.attempts(), f.response(), f.durationMicros(),
                f.outcome(), f.chaos(), f.origin());
    }

    /** Holds every flow until the next tick or flush. */
    private static class Holding implements FlowEnricher {
        private final List<Flow> held = new ArrayList<>();

        @Override
        public void accept(Flow flow, WireCapture wire, Output out) {
            held.add(flow);
        }

        @Override
        public void tick(long nowEpochNanos, Output out) {
            flush(out);
        }

        @Override
        public void flush(Output out) {
            held.forEach(f -> out.deliver(f, null));
            held.clear();
        }
    }
}
