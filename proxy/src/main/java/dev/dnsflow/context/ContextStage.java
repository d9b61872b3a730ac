package dev.dnsflow.context;

import dev.dnsflow.pipeline.Exchange;
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

    public ContextStage(ContextCodes codes, boolean keepEcs) {
        this.codes = codes;
        this.keepEcs = keepEcs;
    }

    @Override
    public String name() {
        return "context";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        EdnsContext.Found found = EdnsContext.readAndStrip(exchange.query(), exchange.forwardedOpt(), codes, keepEcs);
        if (found != null) {
            // The bytes go upstream stripped; the flow still reports the query as it arrived (parsed()).
            exchange.forwardedOpt(found.opt());
            if (found.origin() != null) {
                exchange.origin(found.origin(), found.address());
            }
        }
        next.serve(exchange);
    }
}
