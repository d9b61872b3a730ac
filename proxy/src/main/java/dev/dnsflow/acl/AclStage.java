package dev.dnsflow.acl;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.Responses;

/**
 * Serves only clients inside {@code --allow}. Others get REFUSED (counted as
 * {@code dnsflow_refused_total{reason="acl"}}); malformed input from them is dropped silently,
 * so dnsflow never reflects garbage back to a stranger.
 */
public final class AclStage implements Stage {
    public static final String REASON = "acl";

    private final AllowList allowList;

    public AclStage(AllowList allowList) {
        this.allowList = allowList;
    }

    @Override
    public String name() {
        return "acl";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        if (allowList.allows(exchange.client().getAddress())) {
            next.serve(exchange);
            return;
        }
        exchange.loop().metrics().refused(REASON);
        if (exchange.parsed().verdict() == ParsedQuery.Verdict.FORMERR) {
            exchange.drop("acl_malformed");
        } else {
            exchange.respondError(Responses.REFUSED, Outcome.REFUSED);
        }
    }
}
