package dev.dnsflow.server;

import dev.dnsflow.context.ProxyV2;
import dev.dnsflow.context.ProxyV2TcpDecoder;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One client TCP connection (RFC 7766): queries are pipelined and answered as they complete, in any
 * order. When too many are outstanding, reading pauses until answers go out. A frame too short to
 * carry an ID means the stream is garbage: the connection is closed. Idle connections are closed.
 */
final class TcpFrontend extends ChannelInboundHandlerAdapter implements Exchange.Listener {
    private final LoopContext loop;
    private final Pipeline pipeline;
    private final int maxPipelined;
    private ChannelHandlerContext ctx;
    private int outstanding;

    TcpFrontend(LoopContext loop, Pipeline pipeline, int maxPipelined) {
        this.loop = loop;
        this.pipeline = pipeline;
        this.maxPipelined = maxPipelined;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        long now = System.nanoTime();
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(frame, parsed);
        loop.metrics().query(Transport.TCP, parsed.hasQuestion() ? parsed.qtype() : -1);
        if (parsed.verdict() == ParsedQuery.Verdict.DROP) {
            loop.metrics().malformed(Transport.TCP);
            loop.metrics().drop(parsed.problem(), System.nanoTime() - now);
            frame.release();
            if ("too_short".equals(parsed.problem())) {
                ctx.close();
            }
            return;
        }
        if (loop.stopped()) {
            loop.metrics().drop(UdpFrontend.SHUTTING_DOWN, System.nanoTime() - now);
            frame.release();
            return;
        }
        if (++outstanding >= maxPipelined) {
            ctx.channel().config().setAutoRead(false);
        }
        Exchange exchange = new Exchange(loop, ctx.channel(), (InetSocketAddress) ctx.channel().remoteAddress(),
                Transport.TCP, frame, parsed, now, this);
        ProxyV2.Header proxied = ctx.channel().attr(ProxyV2TcpDecoder.ORIGIN).get();
        if (proxied != null && proxied.origin() != null) {
            exchange.origin(proxied.origin(), proxied.address());
        }
        pipeline.serve(exchange);
    }

    @Override
    public void completed(Exchange exchange) {
        if (--outstanding < maxPipelined && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        loop.flusher().flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and a frame decoder that gave up: the connection is done; its queries still finish.
        ctx.close();
    }
}
