package dev.dnsflow.names;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;

/** {@code names}: queries counted by name, for the first {@code cap} distinct names ({@link NameMetrics}). */
public final class NameMetricsPlugin implements Plugin {
    private final int cap;

    /** @param cap 0 for no per-name counting */
    public NameMetricsPlugin(int cap) {
        this.cap = cap;
    }

    @Override
    public String name() {
        return "names";
    }

    @Override
    public void setup(Plan plan) {
        if (cap > 0) {
            plan.sink(new NameMetrics(plan.metrics().registry(), cap));
        }
    }
}
