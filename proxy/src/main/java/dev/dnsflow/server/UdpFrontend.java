package dev.dnsflow.server;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.context.ProxyV2;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.wire.ParsedQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads client datagrams on one socket (one per event loop under SO_REUSEPORT) and hands them to
 * the loop's {@link QueryIntake}, after taking off a trusted sender's PROXY v2 header. A query to
 * serve is copied out of the batched receive buffer: a datagram read by recvmmsg is a slice of a
 * large chunk, and holding it until the answer would pin the whole chunk.
 */
final class UdpFrontend extends ChannelInboundHandlerAdapter {
    private final QueryIntake intake;
    private final AllowList proxyFrom;

    /** @param proxyFrom senders whose PROXY v2 headers are believed; null when none are */
    UdpFrontend(QueryIntake intake, AllowList proxyFrom) {
        this.intake = intake;
        this.proxyFrom = proxyFrom;
    }

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
        if (intake.admit(Transport.UDP, content, parsed, now) != QueryIntake.Admission.SERVE) {
            return; // counted and released (GARBAGE means nothing more for a datagram)
        }
        ByteBuf query = ctx.alloc().buffer(content.readableBytes()).writeBytes(content);
        packet.release();
        intake.serve(ctx.channel(), packet.sender(), Transport.UDP, query, parsed, now, null, proxied);
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
        intake.refuse(Transport.UDP, packet.content(), problem, now);
        return null;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        intake.loop().flusher().flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed send to one client must never close the shared listening socket.
    }
}
