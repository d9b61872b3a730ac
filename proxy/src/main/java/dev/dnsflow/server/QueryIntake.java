package dev.dnsflow.server;

import dev.dnsflow.context.ProxyV2;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * Where client messages enter, the same for the UDP and the TCP frontend of one event loop: each is
 * parsed and counted ({@code dnsflow_queries_total}), then either dropped with a counted reason (no
 * readable ID or a response: also {@code dnsflow_malformed_total}; after shutdown's grace:
 * {@code shutting_down}) or made an exchange and served through the pipeline. So the chain only ever
 * sees queries it can answer. One per loop, used only on it; it allocates nothing itself.
 */
final class QueryIntake {
    /** The drop reason for queries that arrive after the shutdown grace, while the last answers go out. */
    static final String SHUTTING_DOWN = "shutting_down";

    /** What the frontend does with a message after {@link #admit}. */
    enum Admission {
        /** Counted; hand it to {@link #serve} (after a TCP frontend has counted it as outstanding). */
        SERVE,
        /** Counted as dropped, and released. */
        DROPPED,
        /** Dropped as {@link #DROPPED}, and too short to carry even an ID: on TCP the stream is garbage, close it. */
        GARBAGE
    }

    private final LoopContext loop;
    private final Pipeline pipeline;

    QueryIntake(LoopContext loop, Pipeline pipeline) {
        this.loop = loop;
        this.pipeline = pipeline;
    }

    LoopContext loop() {
        return loop;
    }

    /**
     * Parses {@code message} into {@code parsed} (a fresh one) and counts it. Unless the answer is
     * {@link Admission#SERVE}, the drop is counted and {@code message} released.
     *
     * @param now when the message was read ({@link System#nanoTime})
     */
    Admission admit(Transport transport, ByteBuf message, ParsedQuery parsed, long now) {
        QueryParser.parse(message, parsed);
        loop.metrics().query(transport, parsed.hasQuestion() ? parsed.qtype() : -1);
        if (parsed.verdict() == ParsedQuery.Verdict.DROP) {
            dropMalformed(transport, message, parsed.problem(), now);
            return QueryParser.TOO_SHORT.equals(parsed.problem()) ? Admission.GARBAGE : Admission.DROPPED;
        }
        if (loop.stopped()) {
            loop.metrics().drop(SHUTTING_DOWN, System.nanoTime() - now);
            message.release();
            return Admission.DROPPED;
        }
        return Admission.SERVE;
    }

    /** A message refused before it could be parsed (a bad PROXY v2 header): counted as a malformed query, released. */
    void refuse(Transport transport, ByteBuf message, String problem, long now) {
        loop.metrics().query(transport, -1);
        dropMalformed(transport, message, problem, now);
    }

    /**
     * Serves an admitted query: its exchange takes ownership of {@code query}, with the origin a PROXY v2
     * header named, if any.
     *
     * @param listener told when the exchange completes, or null
     * @param proxied  the sender's PROXY v2 header, or null
     */
    void serve(Channel channel, InetSocketAddress client, Transport transport, ByteBuf query, ParsedQuery parsed,
               long now, Exchange.Listener listener, ProxyV2.Header proxied) {
        Exchange exchange = new Exchange(loop, channel, client, transport, query, parsed, now, listener);
        if (proxied != null && proxied.origin() != null) {
            exchange.facts().origin(proxied.origin(), proxied.address());
        }
        pipeline.serve(exchange);
    }

    private void dropMalformed(Transport transport, ByteBuf message, String problem, long now) {
        loop.metrics().malformed(transport);
        loop.metrics().drop(problem, System.nanoTime() - now);
        message.release();
    }
}
