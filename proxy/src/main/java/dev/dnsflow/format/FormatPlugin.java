package dev.dnsflow.format;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;

/** {@code format}: malformed queries get FORMERR and other opcodes NOTIMP ({@link FormatStage}). */
public final class FormatPlugin implements Plugin {
    @Override
    public String name() {
        return "format";
    }

    @Override
    public void setup(Plan plan) {
        plan.stage(new FormatStage());
    }
}
