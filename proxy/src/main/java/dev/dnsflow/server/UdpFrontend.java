package dev.dnsflow.server;

import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads client datagrams on one socket (one per event loop under SO_REUSEPORT) and feeds them to
 * the pipeline. The query is copied out of the batched receive buffer: a datagram read by recvmmsg
 * is a slice of a large chunk, and holding it until the answer would pin the whole chunk.
 */
final class UdpFrontend extends ChannelInboundHandlerAdapter {
    private final LoopContext loop;
    private final Pipeline pipeline;

    UdpFrontend(LoopContext loop, Pipeline pipeline) {
        this.loop = loop;
        this.pipeline = pipeline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        long now = System.nanoTime();
        ByteBuf content = packet.content();
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(content, parsed);
        loop.metrics().query(Transport.UDP, parsed.hasQuestion() ? parsed.qtype : -1);
        if (parsed.verdict == ParsedQuery.Verdict.DROP) {
            loop.metrics().malformed(Transport.UDP);
            loop.metrics().drop(parsed.problem, System.nanoTime() - now);
            packet.release();
            return;
        }
        ByteBuf query = ctx.alloc().buffer(content.readableBytes()).writeBytes(content);
        packet.release();
        pipeline.serve(new Exchange(loop, ctx.channel(), packet.sender(), Transport.UDP, query, parsed, now, null));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        loop.flusher().flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed send to one client must never close the shared listening socket.
    }
}
