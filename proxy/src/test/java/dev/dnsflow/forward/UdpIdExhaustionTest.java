package dev.dnsflow.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Transport;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A UDP socket towards an upstream whose 65 536 IDs are all in flight: the attempt is counted once, as
 * {@code id_exhausted} (never also as {@code udp_unavailable}), and goes out on another socket when
 * there is one. The IDs are taken directly, as 65 536 queries in flight would take them.
 */
class UdpIdExhaustionTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Transports transports = Transports.best();
    private final ProxyMetrics metrics = ProxyMetrics.standalone();
    private EventLoopGroup group;
    private EventLoop eventLoop;
    private LoopContext loop;
    private DatagramSocket silentUpstream;
    private DatagramSocket client;
    private Channel frontend;
    private Upstream upstream;
    private Forwarder forwarder;

    @BeforeEach
    void start() throws Exception {
        group = transports.newGroup(1);
        eventLoop = group.next();
        loop = new LoopContext(eventLoop, 0, metrics, (flow, wire) -> { }, () -> false, false);
        silentUpstream = new DatagramSocket(0, LOOPBACK);
        silentUpstream.setSoTimeout(3000);
        client = new DatagramSocket(0, LOOPBACK);
        client.setSoTimeout(3000);
        frontend = transports.datagram(LOOPBACK).group(eventLoop).handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress(LOOPBACK, 0)).sync().channel();
        upstream = new Upstream(new InetSocketAddress(LOOPBACK, silentUpstream.getLocalPort()), 3,
                UpstreamMetrics.Factory.of(metrics.registry()));
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            onLoop(() -> {
                forwarder.abandonAll();
                forwarder.close();
                return null;
            });
        }
        frontend.close().sync();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        silentUpstream.close();
        client.close();
    }

    private void forwarder(int sockets) throws Exception {
        ForwardOptions options = ForwardOptions.defaults().toBuilder().sockets(sockets, Duration.ofSeconds(60))
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)).maxAttempts(1).build();
        forwarder = new Forwarder(loop, options, List.of(upstream), transports);
    }

    /** Waits until all {@code count} sockets are bound; returns with the pool's round robin pointing at the first of them. */
    private List<UdpUpstreamSocket> bound(int count) throws Exception {
        long until = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < until) {
            List<UdpUpstreamSocket> picked = onLoop(() -> {
                UdpUpstreamPool pool = forwarder.udpPool(0);
                List<UdpUpstreamSocket> round = new java.util.ArrayList<>();
                for (int i = 0; i < count; i++) {
                    round.add(pool.pick());
                }
                return round;
            });
            if (!picked.contains(null) && picked.stream().distinct().count() == count) {
                return picked;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the upstream sockets were not bound in time");
    }

    private void takeAllIds(UdpUpstreamSocket socket) throws Exception {
        onLoop(() -> {
            for (int i = 0; i < IdSpace.SIZE; i++) {
                socket.ids.allocate(null);
            }
            return null;
        });
        assertThat(onLoop(socket.ids::inUse)).isEqualTo(IdSpace.SIZE);
    }

    private void forward(int id) throws Exception {
        ByteBuf query = Unpooled.wrappedBuffer(Wire.query("example.com.", Type.A, id).toWire());
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(query, parsed);
        InetSocketAddress from = new InetSocketAddress(LOOPBACK, client.getLocalPort());
        onLoop(() -> {
            forwarder.forward(new Exchange(loop, frontend, from, Transport.UDP, query, parsed, System.nanoTime(), null));
            loop.flusher().flush();
            return null;
        });
    }

    private double errors(String reason) {
        return metrics.count("dnsflow.upstream.errors", "upstream", upstream.label(), "reason", reason);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return eventLoop.submit(task).get();
    }

    private static Message receive(DatagramSocket socket) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        socket.receive(p);
        return Wire.parse(java.util.Arrays.copyOf(p.getData(), p.getLength()));
    }

    @Test
    void theOnlySocketOutOfIdsCountsIdExhaustedOnceAndTheClientGetsServfail() throws Exception {
        forwarder(1);
        takeAllIds(bound(1).get(0));

        forward(4242);

        Message answer = receive(client);
        assertThat(answer.getHeader().getID()).isEqualTo(4242);
        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(errors("id_exhausted")).isEqualTo(1.0);
        assertThat(errors("udp_unavailable")).as("the socket was there; only its IDs were not").isZero();
        assertThat(metrics.count("dnsflow.upstream.requests", "upstream", upstream.label(), "transport", "udp")).isZero();
    }

    @Test
    void aSocketOutOfIdsCountsOnceAndTheQueryGoesOutOnTheOther() throws Exception {
        forwarder(2);
        List<UdpUpstreamSocket> sockets = bound(2);
        takeAllIds(sockets.get(0)); // the one picked next

        forward(4343);

        Message sent = receive(silentUpstream);
        assertThat(sent.getQuestion().getName().toString()).isEqualTo("example.com.");
        assertThat(onLoop(sockets.get(1).ids::inUse)).isEqualTo(1);
        assertThat(errors("id_exhausted")).isEqualTo(1.0);
        assertThat(errors("udp_unavailable")).isZero();
        assertThat(metrics.count("dnsflow.upstream.requests", "upstream", upstream.label(), "transport", "udp")).isEqualTo(1.0);
    }
}
