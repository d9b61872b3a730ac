package dev.dnsflow.server;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.context.ProxyV2;
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
    private final AllowList proxyFrom;

    /** @param proxyFrom senders whose PROXY v2 headers are believed; null when none are */
    UdpFrontend(LoopContext loop, Pipeline pipeline, AllowList proxyFrom) {
        this.loop = loop;
        this.pipeline = pipeline;
        this.proxyFrom = proxyFrom;
    }

    /** The drop reason for queries that arrive after the shutdown grace, while the last answers go out. */
    static final String SHUTTING_DOWN = "shutting_down";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        long now = System.nanoTime();
        ByteBuf content = packet.content();
        ProxyV2.Header proxied = null;
        if (ProxyV2.startsWithSignature(content)) {
            proxied = proxyHeader(packet, now);
            if (proxied == null) {
                return;
            }
            content.skipBytes(proxied.length());
        }
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(content, parsed);
        loop.metrics().query(Transport.UDP, parsed.hasQuestion() ? parsed.qtype() : -1);
        if (parsed.verdict() == ParsedQuery.Verdict.DROP) {
            loop.metrics().malformed(Transport.UDP);
            loop.metrics().drop(parsed.problem(), System.nanoTime() - now);
            packet.release();
            return;
        }
        if (loop.stopped()) {
            loop.metrics().drop(SHUTTING_DOWN, System.nanoTime() - now);
            packet.release();
            return;
        }
        ByteBuf query = ctx.alloc().buffer(content.readableBytes()).writeBytes(content);
        packet.release();
        Exchange exchange = new Exchange(loop, ctx.channel(), packet.sender(), Transport.UDP, query, parsed, now, null);
        if (proxied != null && proxied.origin() != null) {
            exchange.origin(proxied.origin(), proxied.address());
        }
        pipeline.serve(exchange);
    }

    /** The PROXY v2 header of a trusted sender, or null after counting the datagram as a malformed drop. */
    private ProxyV2.Header proxyHeader(DatagramPacket packet, long now) {
        String problem;
        try {
            if (proxyFrom == null || !proxyFrom.allows(packet.sender().getAddress())) {
                problem = "proxy_untrusted";
            } else {
                ProxyV2.Header header = ProxyV2.parse(packet.content());
                if (header != null) {
                    return header;
                }
                problem = "proxy_malformed";
            }
        } catch (IllegalArgumentException e) {
            problem = "proxy_malformed";
        }
        loop.metrics().query(Transport.UDP, -1);
        loop.metrics().malformed(Transport.UDP);
        loop.metrics().drop(problem, System.nanoTime() - now);
        packet.release();
        return null;
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
