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
        switch (exchange.parsed().verdict()) {
            case OK -> next.serve(exchange);
            case FORMERR -> {
                exchange.loop().metrics().malformed(exchange.transport());
                exchange.respondError(Responses.FORMERR, Outcome.FORMERR);
            }
            case NOTIMP -> exchange.respondError(Responses.NOTIMP, Outcome.NOTIMP);
            case DROP -> exchange.drop(exchange.parsed().problem());
        }
    }
}
