package dev.dnsflow.server;

import dev.dnsflow.context.ProxyV2TcpDecoder;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The listening sockets, per listen address: one UDP socket per event loop on the same port (SO_REUSEPORT;
 * the kernel spreads clients by 4-tuple) or a single one under NIO, and one TCP listener on the same port.
 */
final class Frontends implements AutoCloseable {
    private static final int BIND_TRIES = 8;

    private final List<Channel> udp;
    private final List<Channel> tcp;
    private final List<InetSocketAddress> addresses;

    private Frontends(List<Channel> udp, List<Channel> tcp) {
        this.udp = List.copyOf(udp);
        this.tcp = List.copyOf(tcp);
        this.addresses = tcp.stream().map(ch -> (InetSocketAddress) ch.localAddress()).toList();
    }

    /** Binds UDP and TCP on every address of {@link ProxyConfig#listenAll()}, in order; all or nothing. */
    static Frontends bind(ProxyConfig config, Transports transports, EventLoopGroup group,
                          Map<EventLoop, LoopContext> loops, Pipeline pipeline, ProxyMetrics metrics) {
        Map<EventLoop, QueryIntake> intakes = new LinkedHashMap<>(); // in the loops' order, as the UDP sockets were bound
        loops.forEach((eventLoop, loop) -> intakes.put(eventLoop, new QueryIntake(loop, pipeline)));
        ConnectionLimit limit = new ConnectionLimit(config.maxTcpClients(), metrics); // one limit over all addresses
        List<Channel> udp = new ArrayList<>();
        List<Channel> tcp = new ArrayList<>();
        try {
            for (InetSocketAddress at : config.listenAll()) {
                bindOne(at, config, transports, group, intakes, limit, metrics, udp, tcp);
            }
        } catch (RuntimeException e) {
            udp.forEach(Channel::close);
            tcp.forEach(Channel::close);
            throw e;
        }
        return new Frontends(udp, tcp);
    }

    private static void bindOne(InetSocketAddress listen, ProxyConfig config, Transports transports, EventLoopGroup group,
                                Map<EventLoop, QueryIntake> intakes, ConnectionLimit limit, ProxyMetrics metrics,
                                List<Channel> udpOut, List<Channel> tcpOut) {
        Exception last = null;
        // With port 0 the UDP port is picked first; TCP may find it taken, so try again a few times.
        for (int attempt = 0; attempt < (listen.getPort() == 0 ? BIND_TRIES : 1); attempt++) {
            List<Channel> udp = new ArrayList<>();
            try {
                InetSocketAddress at = listen;
                if (at.getPort() == 0 && transports.isEpoll()) {
                    at = freeUdpPort(at);
                }
                for (QueryIntake intake : intakes.values()) {
                    Channel ch = transports.reusePort(transports.datagram(at.getAddress())).group(intake.loop().eventLoop())
                            .handler(new UdpFrontend(intake, config.proxyProtocolFrom())).bind(at).syncUninterruptibly().channel();
                    udp.add(ch);
                    at = (InetSocketAddress) ch.localAddress();
                    if (!transports.isEpoll()) {
                        break; // without SO_REUSEPORT one socket serves all
                    }
                }
                Channel tcp = new ServerBootstrap().group(group).channel(transports.serverSocket())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                // Always: without trusted senders a PROXY header must be refused, not read as DNS.
                                ch.pipeline().addLast(limit, new ProxyV2TcpDecoder(config.proxyProtocolFrom(), metrics));
                                ch.pipeline().addLast(
                                        new IdleStateHandler(0, 0, config.tcpIdle().toMillis(), TimeUnit.MILLISECONDS),
                                        new LengthFieldBasedFrameDecoder(65535, 0, 2, 0, 2),
                                        new LengthFieldPrepender(2),
                                        new TcpFrontend(intakes.get(ch.eventLoop()), config.maxPipelined()));
                            }
                        }).bind(at).syncUninterruptibly().channel();
                udpOut.addAll(udp);
                tcpOut.add(tcp);
                return;
            } catch (Exception e) { // Netty rethrows bind's IOException unchecked-style: catch it all
                udp.forEach(Channel::close);
                last = e;
            }
        }
        throw new IllegalStateException("cannot listen on " + listen + ": " + last.getMessage(), last);
    }

    /**
     * A port no UDP socket holds. Binding port 0 with SO_REUSEPORT already set lets the kernel hand out
     * a port that another SO_REUSEPORT socket of the same user holds, which would then share our
     * queries; a plain socket is given only a truly free port. It is closed again at once, so the
     * reuse-port group can take it (a bind that loses the race fails and is retried).
     */
    private static InetSocketAddress freeUdpPort(InetSocketAddress at) {
        try (DatagramSocket probe = new DatagramSocket(at)) {
            return new InetSocketAddress(at.getAddress(), probe.getLocalPort());
        } catch (SocketException e) {
            throw new IllegalStateException("cannot bind UDP on " + at + ": " + e.getMessage(), e);
        }
    }

    /** The first address, as bound. */
    InetSocketAddress address() {
        return addresses.get(0);
    }

    /** Every address, as bound, in the order given. */
    List<InetSocketAddress> addresses() {
        return addresses;
    }

    List<Channel> udp() {
        return udp;
    }

    @Override
    public void close() {
        udp.forEach(ch -> ch.close().syncUninterruptibly());
        tcp.forEach(ch -> ch.close().syncUninterruptibly());
    }
}
