package dev.dnsflow.forward;

import dev.dnsflow.flow.Transport;
import dev.dnsflow.wire.DnsHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One event loop's TCP connection to one upstream, reused for many queries and pipelined (RFC 7766):
 * each connection has its own ID space, queries sent before the connection is up wait for it, and
 * when it fails or closes every attempt on it fails at once so the forwarder can retry elsewhere.
 * Closed after it has been idle for a while.
 *
 * <p>An attempt that times out retires its connection: later queries (the retry among them) go on a new one, and
 * the old one closes once its other attempts are answered or given up. A server may answer a connection's queries
 * in order (dnsdist without {@code maxInFlight}, for one), and then a query it never answers holds back every
 * query pipelined behind it: the retries would all be lost the same way. CoreDNS's forward, which takes a
 * connection per query, never meets this. Retired connections are kept until they close, so shutdown closes them
 * too; each retirement counts {@code dnsflow_upstream_errors_total{reason="tcp_retired"}} (connection churn).
 */
final class TcpUpstream {
    private final Forwarder forwarder;
    private final Upstream upstream;
    private final Bootstrap bootstrap;
    private Connection current;
    /** Retired connections still open: their remaining attempts wait for answers. */
    private final Set<Connection> retired = new LinkedHashSet<>();

    TcpUpstream(Forwarder forwarder, Upstream upstream, Bootstrap bootstrap) {
        this.forwarder = forwarder;
        this.upstream = upstream;
        this.bootstrap = bootstrap;
    }

    /** Sends (or queues until connected) the exchange's query; false if no ID is free. */
    boolean send(InFlight f, long now) {
        if (current == null || current.closed) {
            current = new Connection();
        }
        Connection c = current;
        int id = c.ids.allocate(f);
        if (id < 0) {
            return false;
        }
        f.started(upstream, c, id, Transport.TCP, now);
        // Before the write: a transport may copy the bytes then (a heap buffer into a direct one), not at the flush.
        DnsHeader.setId(f.exchange.query(), id);
        c.lastUsed = now;
        if (c.connected) {
            c.write(f);
        } else {
            c.pending.add(f);
        }
        return true;
    }

    void maintain(long now, long idleNanos) {
        Connection c = current;
        if (c != null && c.connected && c.ids.inUse() == 0 && now - c.lastUsed > idleNanos) {
            c.channel.close();
        }
    }

    void close() {
        if (current != null && current.channel != null) {
            current.channel.close();
        }
        for (Connection c : List.copyOf(retired)) {
            c.channel.close();
        }
    }

    /** Retired connections not yet closed (tests). */
    int retiredOpen() {
        return retired.size();
    }

    /** One connection and the attempts riding on it. */
    private final class Connection extends ChannelInboundHandlerAdapter implements Carrier {
        final IdSpace<InFlight> ids = new IdSpace<>();
        final List<InFlight> pending = new ArrayList<>();
        final Channel channel;
        boolean connected;
        boolean closed;
        /** An attempt on it timed out: no new queries; closed once the last one is settled. */
        boolean retired;
        long lastUsed;

        Connection() {
            Connection self = this;
            ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(65535, 0, 2, 0, 2),
                            new LengthFieldPrepender(2), self);
                }
            }).connect(upstream.address());
            channel = connecting.channel();
            connecting.addListener(done -> {
                if (done.isSuccess()) {
                    connected = true;
                    for (InFlight f : pending) {
                        if (f.carrier == this) {
                            write(f);
                        }
                    }
                    pending.clear();
                    channel.flush();
                } else {
                    upstream.metrics().error("tcp_connect");
                    failAll();
                }
            });
        }

        void write(InFlight f) {
            forwarder.loop().flusher().write(channel, f.exchange.query().retainedDuplicate());
        }

        @Override
        public void release(int id, InFlight owner) {
            ids.release(id, owner);
            if (retired && ids.inUse() == 0 && !closed) {
                channel.close();
            }
        }

        @Override
        public void timedOut() {
            if (!retired && !closed) {
                retired = true;
                TcpUpstream.this.retired.add(this);
                upstream.metrics().error("tcp_retired");
            }
            if (current == this) {
                current = null;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf frame) {
                forwarder.onTcpReply(upstream, this, ids, frame);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            forwarder.loop().flusher().flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ids.inUse() > 0) {
                upstream.metrics().error("tcp_closed");
            }
            failAll();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            upstream.metrics().error("tcp_io");
            ctx.close();
        }

        private void failAll() {
            closed = true;
            TcpUpstream.this.retired.remove(this);
            pending.clear();
            List<InFlight> live = new ArrayList<>();
            ids.forEachLive((id, f) -> live.add(f));
            for (InFlight f : live) {
                if (f.carrier == this) {
                    forwarder.attemptFailed(f);
                }
            }
            forwarder.loop().flusher().flush();
        }
    }
}
