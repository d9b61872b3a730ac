package dev.dnsflow.minimal;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import io.netty.buffer.ByteBuf;

/** Passes queries on; trims the upstream's successful answers on their way back ({@link MinimalResponse}). */
final class MinimalStage implements Stage {
    @Override
    public String name() {
        return "minimal";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        next.serve(exchange);
    }

    @Override
    public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
        if (outcome == Outcome.ANSWERED) {
            MinimalResponse.trim(response);
        }
        back.answer(exchange, response, outcome);
    }
}
