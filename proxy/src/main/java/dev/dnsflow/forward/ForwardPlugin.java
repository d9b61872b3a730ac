package dev.dnsflow.forward;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code forward}: the last stage, sending each query upstream ({@link ForwardStage}), to the default
 * upstreams or to those of the longest {@code --zone} containing its name; ready while an upstream is
 * healthy.
 */
public final class ForwardPlugin implements Plugin {
    private final List<InetSocketAddress> upstreams;
    private final ForwardOptions options;
    private final List<ForwardZone> zones;

    public ForwardPlugin(List<InetSocketAddress> upstreams, ForwardOptions options) {
        this(upstreams, options, List.of());
    }

    /**
     * @param zones per-zone upstreams; a root zone ({@code .}) only says whether the default upstreams
     *              are forced to TCP (its upstreams are the default ones)
     */
    public ForwardPlugin(List<InetSocketAddress> upstreams, ForwardOptions options, List<ForwardZone> zones) {
        this.upstreams = List.copyOf(upstreams);
        this.options = options;
        this.zones = List.copyOf(zones);
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public void setup(Plan plan) {
        UpstreamMetrics.Factory metrics = UpstreamMetrics.Factory.of(plan.metrics().registry());
        Map<InetSocketAddress, Upstream> byAddress = new HashMap<>(); // one health and one set of metrics per server
        boolean defaultTcp = zones.stream().anyMatch(z -> z.isRoot() && z.forceTcp());
        List<ForwardStage.Route> routes = new ArrayList<>();
        routes.add(new ForwardStage.Route(".", upstreams(upstreams, byAddress, metrics), defaultTcp));
        for (ForwardZone z : zones) {
            if (!z.isRoot()) {
                routes.add(new ForwardStage.Route(z.zone(), upstreams(z.upstreams(), byAddress, metrics), z.forceTcp()));
            }
        }
        ForwardStage stage = ForwardStage.routed(plan.loops(), routes, options, plan.transports());
        plan.closeWhenStopped(stage);
        plan.share(ForwardStage.class, stage);
        plan.stage(stage);
        plan.readiness(() -> stage.anyHealthy() ? null : "no upstream is healthy");
    }

    private List<Upstream> upstreams(List<InetSocketAddress> addresses, Map<InetSocketAddress, Upstream> byAddress,
                                     UpstreamMetrics.Factory metrics) {
        return addresses.stream().map(a -> byAddress.computeIfAbsent(a, x -> new Upstream(x, options.maxFails(), metrics)))
                .toList();
    }
}
