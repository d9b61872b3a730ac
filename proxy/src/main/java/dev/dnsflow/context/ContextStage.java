package dev.dnsflow.context;

import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.Via;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.util.Cidr;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.pipeline.Stage;
import java.net.InetAddress;
import java.util.List;

/**
 * Learns who really asked from the query's EDNS0 local options (CoreDNS's {@code rewrite edns0 local})
 * or its ECS option, records it as the flow's {@code origin}, and strips those options before the
 * query goes upstream so nothing private leaks ({@code --ecs keep} forwards ECS as it came). An origin
 * already known from a PROXY v2 header takes precedence; the options are stripped all the same.
 *
 * <p>The hand-off of a node's dnsflow is read and stripped too, but believed only when the hop that
 * delivered it is one of {@code --hand-off-from}: the client CoreDNS's rewrite names ({@code {client_ip}},
 * which CoreDNS sets over whatever the pod sent), else a trusted PROXY v2 origin, else the packet's sender.
 * Anything else (a pod writing the options itself) is stripped and counted in
 * {@code dnsflow_handoff_untrusted_total}, and changes neither the origin nor the flow.
 */
public final class ContextStage implements Stage {
    private final ContextCodes codes;
    private final boolean keepEcs;
    private final HandOffCodes handOff;
    private final List<Cidr> handOffFrom;
    private final Counter handOffMalformed;
    private final Counter handOffUntrusted;

    public ContextStage(ContextCodes codes, boolean keepEcs) {
        this(codes, keepEcs, null, List.of(), null, null);
    }

    /**
     * @param handOff          the hand-off's codes, read and stripped too (null: not read)
     * @param handOffFrom      the hops whose hand-off is believed ({@code --hand-off-from}; empty: none)
     * @param handOffMalformed counts believed hand-offs that could not be read (the query is served all the same)
     * @param handOffUntrusted counts hand-offs from a hop outside {@code handOffFrom} (stripped, not believed)
     */
    public ContextStage(ContextCodes codes, boolean keepEcs, HandOffCodes handOff, List<Cidr> handOffFrom,
                        Counter handOffMalformed, Counter handOffUntrusted) {
        this.codes = codes;
        this.keepEcs = keepEcs;
        this.handOff = handOff;
        this.handOffFrom = List.copyOf(handOffFrom);
        this.handOffMalformed = handOffMalformed;
        this.handOffUntrusted = handOffUntrusted;
    }

    @Override
    public String name() {
        return "context";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        EdnsContext.Found found = EdnsContext.readAndStrip(exchange.query(), exchange.forwardedOpt(), codes, keepEcs,
                handOff);
        if (found != null) {
            // The bytes go upstream stripped; the flow still reports the query as it arrived (parsed()).
            exchange.forwardedOpt(found.opt());
            if (found.origin() != null) {
                exchange.facts().origin(found.origin(), found.address());
            }
            if (found.handOffSeen()) {
                if (!trusted(deliveringHop(exchange))) {
                    count(handOffUntrusted);
                } else if (found.via() != null) {
                    // The node's dnsflow as CoreDNS saw its client, kept for the sidecar's join (before the pod replaces it).
                    Origin hop = hopOrigin(exchange);
                    // The pod behind the node's dnsflow: more precise than a PROXY header or rewrite naming the node.
                    exchange.facts().replaceOrigin(found.handOffOrigin(), found.handOffAddress());
                    exchange.facts().extend(Via.KEY, hop == null ? found.via() : found.via().withHop(hop.ip(), hop.port()));
                } else {
                    count(handOffMalformed);
                }
            }
        }
        next.serve(exchange);
    }

    /**
     * The hop that sent the query to us: the client CoreDNS's rewrite names (CoreDNS overwrites those
     * options, so a pod cannot forge them) or a PROXY v2 origin (only believed from --proxy-protocol-from),
     * else the packet's sender. ECS is not a hop: a pod can send it and CoreDNS passes it on.
     */
    private static InetAddress deliveringHop(Exchange exchange) {
        return hopOrigin(exchange) != null ? exchange.clientAddress() : exchange.client().getAddress();
    }

    /** The origin that names the delivering hop (rewrite {@code {client_ip}} or PROXY v2), or null. */
    private static Origin hopOrigin(Exchange exchange) {
        Origin o = exchange.facts().origin();
        return o != null && ("edns0-local".equals(o.source()) || "proxy-v2".equals(o.source())) ? o : null;
    }

    private boolean trusted(InetAddress hop) {
        for (Cidr c : handOffFrom) {
            if (c.contains(hop)) {
                return true;
            }
        }
        return false;
    }

    private static void count(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }
}
