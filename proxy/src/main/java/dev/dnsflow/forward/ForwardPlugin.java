package dev.dnsflow.forward;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.net.InetSocketAddress;
import java.util.List;

/** {@code forward}: the last stage, sending each query upstream ({@link ForwardStage}); ready while an upstream is healthy. */
public final class ForwardPlugin implements Plugin {
    private final List<InetSocketAddress> upstreams;
    private final ForwardOptions options;

    public ForwardPlugin(List<InetSocketAddress> upstreams, ForwardOptions options) {
        this.upstreams = List.copyOf(upstreams);
        this.options = options;
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public void setup(Plan plan) {
        UpstreamMetrics.Factory metrics = UpstreamMetrics.Factory.of(plan.metrics().registry());
        List<Upstream> list = upstreams.stream().map(a -> new Upstream(a, options.maxFails(), metrics)).toList();
        ForwardStage stage = new ForwardStage(plan.loops(), list, options, plan.transports());
        plan.closeWhenStopped(stage);
        plan.share(ForwardStage.class, stage);
        plan.stage(stage);
        plan.readiness(() -> stage.anyHealthy() ? null : "no upstream is healthy");
    }
}
