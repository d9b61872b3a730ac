package dev.dnsflow.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * One UDP socket towards one upstream, with its own ID space. Its handler hands replies to the
 * forwarder. Replaced (and drained) when it grows old or after a timeout.
 */
final class UdpUpstreamSocket extends ChannelInboundHandlerAdapter implements Carrier {
    final UdpUpstreamPool pool;
    final IdSpace<InFlight> ids = new IdSpace<>();
    final long createdNanos = System.nanoTime();
    Channel channel;
    boolean draining;

    UdpUpstreamSocket(UdpUpstreamPool pool) {
        this.pool = pool;
    }

    @Override
    public void release(int id, InFlight owner) {
        ids.release(id, owner);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            pool.forwarder.onUdpReply(this, packet);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pool.forwarder.loop().flusher().flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A send error (ICMP unreachable and the like) must not close the socket; the attempt times out.
        pool.upstream.metrics().error("udp_socket");
    }
}
