package dev.dnsflow.context;

import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.Via;
import dev.dnsflow.pipeline.Exchange;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.pipeline.Stage;

/**
 * Learns who really asked from the query's EDNS0 local options (CoreDNS's {@code rewrite edns0 local})
 * or its ECS option, records it as the flow's {@code origin}, and strips those options before the
 * query goes upstream so nothing private leaks ({@code --ecs keep} forwards ECS as it came). An origin
 * already known from a PROXY v2 header takes precedence; the options are stripped all the same.
 */
public final class ContextStage implements Stage {
    private final ContextCodes codes;
    private final boolean keepEcs;
    private final HandOffCodes handOff;
    private final Counter handOffMalformed;

    public ContextStage(ContextCodes codes, boolean keepEcs) {
        this(codes, keepEcs, null, null);
    }

    /**
     * @param handOff          the hand-off's codes, read and stripped too (null: not read)
     * @param handOffMalformed counts hand-offs that could not be believed (the query is served all the same)
     */
    public ContextStage(ContextCodes codes, boolean keepEcs, HandOffCodes handOff, Counter handOffMalformed) {
        this.codes = codes;
        this.keepEcs = keepEcs;
        this.handOff = handOff;
        this.handOffMalformed = handOffMalformed;
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
            if (found.via() != null) {
                // The pod behind the node's dnsflow: more precise than a PROXY header or rewrite naming the node.
                exchange.replaceOrigin(found.origin(), found.address());
                exchange.extend(Via.KEY, found.via());
            } else if (found.origin() != null) {
                exchange.origin(found.origin(), found.address());
            }
        }
        if (found != null && found.handOffMalformed() && handOffMalformed != null) {
            handOffMalformed.increment();
        }
        next.serve(exchange);
    }
}
