package dev.dnsflow.context;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;

/** {@code context}: who really asked, from EDNS0 local options or ECS, stripped before forwarding ({@link ContextStage}). */
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
        plan.stage(new ContextStage(codes, keepEcs));
    }
}
