package dev.dnsflow.context;

import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.HandOffPlugin;
import dev.dnsflow.plan.Plan;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.plan.Plugin;

/**
 * {@code context}: who really asked, from EDNS0 local options (CoreDNS's rewrite, or the hand-off of a
 * dnsflow on the node, {@code --hand-off-option}) or ECS, stripped before forwarding ({@link ContextStage}).
 * Metric: {@code dnsflow_handoff_malformed_total}.
 */
public final class ContextPlugin implements Plugin {
    private final ContextCodes codes;
    private final boolean keepEcs;

    public ContextPlugin(ContextCodes codes, boolean keepEcs) {
        this.codes = codes;
        this.keepEcs = keepEcs;
    }

    @Override
    public String name() {
        return "context";
    }

    @Override
    public void setup(Plan plan) {
        HandOffCodes handOff = plan.flags().get(HandOffPlugin.OPTIONS);
        for (int code : handOff.all()) {
            if (codes.isContext(code)) {
                throw new IllegalArgumentException("--hand-off-option: code " + code + " is also a --context-option code;"
                        + " the hand-off needs codes of its own");
            }
        }
        Counter malformed = Counter.builder("dnsflow.handoff.malformed")
                .description("Queries whose hand-off options from a node's dnsflow could not be read (served all the same)")
                .register(plan.metrics().registry());
        plan.stage(new ContextStage(codes, keepEcs, handOff, malformed));
    }
}
