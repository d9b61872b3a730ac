package dev.dnsflow.minimal;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.util.List;

/** {@code minimal}: with {@code --minimal-responses}, successful answers lose their authority and additional records. */
public final class MinimalPlugin implements Plugin {
    static final Flag<Boolean> MINIMAL_RESPONSES = Flag.onOff("--minimal-responses",
            "Send successful answers with the answer section only: authority and additional records are removed "
                    + "(the OPT record stays), like CoreDNS's minimal plugin. Negative answers and referrals are kept whole.");

    @Override
    public String name() {
        return "minimal";
    }

    @Override
    public List<Flag<?>> flags() {
        return List.of(MINIMAL_RESPONSES);
    }

    @Override
    public void setup(Plan plan) {
        if (plan.flags().get(MINIMAL_RESPONSES)) {
            plan.stage(new MinimalStage());
        }
    }
}
