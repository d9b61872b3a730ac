package dev.dnsflow.acl;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;

/** {@code acl}: only the allowed client ranges are served; others get REFUSED ({@link AclStage}). */
public final class AclPlugin implements Plugin {
    private final AllowList allow;

    public AclPlugin(AllowList allow) {
        this.allow = allow;
    }

    @Override
    public String name() {
        return "acl";
    }

    @Override
    public void setup(Plan plan) {
        plan.stage(new AclStage(allow));
    }
}
