package dev.dnsflow.server;

import dev.dnsflow.acl.AclPlugin;
import dev.dnsflow.cache.CachePlugin;
import dev.dnsflow.chaos.ChaosPlugin;
import dev.dnsflow.context.ContextPlugin;
import dev.dnsflow.dnstap.DnstapPlugin;
import dev.dnsflow.format.FormatPlugin;
import dev.dnsflow.handoff.HandOffPlugin;
import dev.dnsflow.forward.ForwardPlugin;
import dev.dnsflow.log.FlowLogPlugin;
import dev.dnsflow.minimal.MinimalPlugin;
import dev.dnsflow.names.NameMetricsPlugin;
import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Plugin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Every capability of a proxy, in one declared list (CoreDNS's {@code plugin.cfg}): a plugin's stage
 * runs where its line is, so the query path reads top to bottom: acl → format → context → chaos →
 * minimal → cache → handoff → forward (minimal only with {@code --minimal-responses}, cache with {@code --cache}, handoff only with {@code --hand-off}). Adding a capability is its own package plus one line here. A plugin that is not asked for
 * (no {@code --flow-log}, say) adds nothing.
 */
public final class Plugins {
    private Plugins() {
    }

    static List<Plugin> declared(ProxyConfig c) {
        return List.of(
                new AclPlugin(c.allow()),
                new FormatPlugin(),
                new ContextPlugin(c.contextCodes(), c.keepEcs()),
                new ChaosPlugin(c.chaosFile(), c.chaosRules(), c.adminToken()),
                new MinimalPlugin(),
                new CachePlugin(),
                new HandOffPlugin(),
                new ForwardPlugin(c.upstreams(), c.forward(), c.zones()),
                new NameMetricsPlugin(c.metricsNameCap()),
                new DnstapPlugin(c.dnstap(), c.dnstapIdentity(), "dnsflow " + DnsProxy.version()),
                new FlowLogPlugin(c.flowLog(), c.flowLogMaxBytes(), c.flowLogKeep()));
    }

    /** The flags the declared plugins read, for every command that serves DNS. */
    public static List<Flag<?>> flags() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ProxyConfig any = ProxyConfig.of(new InetSocketAddress(loopback, 0), List.of(new InetSocketAddress(loopback, 53)));
        return declared(any).stream().flatMap(p -> p.flags().stream()).toList();
    }
}
