package dev.dnsflow.server;

import dev.dnsflow.context.ProxyV2;
import dev.dnsflow.context.ProxyV2TcpDecoder;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.wire.ParsedQuery;
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
 * Each frame goes through the loop's {@link QueryIntake}, like a datagram.
 */
final class TcpFrontend extends ChannelInboundHandlerAdapter implements Exchange.Listener {
    private final QueryIntake intake;
    private final int maxPipelined;
    private ChannelHandlerContext ctx;
    private int outstanding;

    TcpFrontend(QueryIntake intake, int maxPipelined) {
        this.intake = intake;
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
        QueryIntake.Admission admission = intake.admit(Transport.TCP, frame, parsed, now);
        if (admission == QueryIntake.Admission.GARBAGE) {
            ctx.close();
        }
        if (admission != QueryIntake.Admission.SERVE) {
            return; // counted and released
        }
        if (++outstanding >= maxPipelined) {
            ctx.channel().config().setAutoRead(false);
        }
        ProxyV2.Header proxied = ctx.channel().attr(ProxyV2TcpDecoder.ORIGIN).get();
        intake.serve(ctx.channel(), (InetSocketAddress) ctx.channel().remoteAddress(), Transport.TCP, frame, parsed, now,
                this, proxied);
    }

    @Override
    public void completed(Exchange exchange) {
        if (--outstanding < maxPipelined && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        intake.loop().flusher().flush();
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
