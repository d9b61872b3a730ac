package dev.dnsflow.format;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.Responses;

/**
 * Answers what cannot be forwarded: malformed queries get FORMERR (counted in
 * {@code dnsflow_malformed_total}), other opcodes NOTIMP. Only well-formed standard queries go on.
 */
public final class FormatStage implements Stage {
    @Override
    public String name() {
        return "format";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        // A switch expression: a verdict added to ParsedQuery does not compile until it is handled here.
        boolean forward = switch (exchange.parsed().verdict()) {
            case OK -> true;
            case FORMERR -> {
                exchange.loop().metrics().malformed(exchange.transport());
                exchange.respondError(Responses.FORMERR, Outcome.FORMERR);
                yield false;
            }
            case NOTIMP -> {
                exchange.respondError(Responses.NOTIMP, Outcome.NOTIMP);
                yield false;
            }
            // The frontends drop these before any exchange exists (server/QueryIntake): here it is a bug.
            case DROP -> throw new IllegalStateException("a dropped message reached the chain: " + exchange.parsed().problem());
        };
        if (forward) {
            next.serve(exchange);
        }
    }
}
