package dev.dnsflow.context;

import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.HandOffPlugin;
import dev.dnsflow.plan.Plan;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.util.Cidr;
import java.util.List;

/**
 * {@code context}: who really asked, from EDNS0 local options (CoreDNS's rewrite, or the hand-off of a
 * dnsflow on the node, {@code --hand-off-option}) or ECS, stripped before forwarding ({@link ContextStage}).
 * The hand-off is believed only from {@code --hand-off-from} (none by default, and never on a dnsflow that
 * hands off itself). Metrics: {@code dnsflow_handoff_malformed_total}, {@code dnsflow_handoff_untrusted_total}.
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
        List<Cidr> from = plan.flags().get(HandOffPlugin.FROM);
        if (plan.flags().get(HandOffPlugin.HAND_OFF) && !from.isEmpty()) {
            // A dnsflow that hands off is the first hop: its clients are pods, whose hand-off is never believed.
            throw new IllegalArgumentException("--hand-off-from: a dnsflow with --hand-off believes no hand-off from its"
                    + " clients; set --hand-off-from on the dnsflow behind CoreDNS");
        }
        Counter malformed = Counter.builder("dnsflow.handoff.malformed")
                .description("Queries whose hand-off options from a node's dnsflow could not be read (served all the same)")
                .register(plan.metrics().registry());
        Counter untrusted = Counter.builder("dnsflow.handoff.untrusted")
                .description("Queries with hand-off options from a hop outside --hand-off-from (stripped, not believed)")
                .register(plan.metrics().registry());
        plan.stage(new ContextStage(codes, keepEcs, handOff, from, malformed, untrusted));
    }
}
