package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Outcome;
import io.netty.buffer.ByteBuf;

/**
 * One step of the query path (acl, format, context, chaos, forward, …), in the style of a CoreDNS
 * plugin: on the way in it either answers the exchange itself or passes it on; on the way back it may
 * act on the answer (OkHttp's {@code proceed()}, CoreDNS's {@code ResponseWriter}). A stage runs on
 * the exchange's event loop and must not block.
 */
public interface Stage {
    /** The stage's name as operators see it (package doc, metrics). */
    String name();

    void serve(Exchange exchange, Next next);

    /**
     * The answer on its way back to the client, through the stages the query passed, last first (a
     * stage never sees its own answer). The default passes it on unchanged, and the pipeline skips
     * stages that keep the default. A stage that overrides it either passes the answer on with
     * {@code back} (now or later), or takes it over: releases it and ends the exchange
     * ({@link Exchange#dropRecorded}).
     *
     * @param response the answer, owned by whoever holds it
     */
    default void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
        back.answer(exchange, response, outcome);
    }

    /** The rest of the chain, on the way in. */
    interface Next {
        void serve(Exchange exchange);

        /** Serves the rest of the chain after {@code nanos}, under the pipeline's guard (see {@link Exchange#defer}). */
        default void serveAfter(Exchange exchange, long nanos) {
            exchange.defer(nanos, () -> serve(exchange));
        }
    }

    /** The stages before this one, on the way back. */
    interface Back {
        void answer(Exchange exchange, ByteBuf response, Outcome outcome);

        /** Passes the answer on after {@code nanos}, under the pipeline's guard (see {@link Exchange#defer}). */
        default void answerAfter(Exchange exchange, ByteBuf response, Outcome outcome, long nanos) {
            exchange.defer(nanos, () -> answer(exchange, response, outcome));
        }
    }
}
