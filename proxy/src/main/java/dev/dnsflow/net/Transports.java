package dev.dnsflow.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * The Netty transport: epoll (SO_REUSEPORT, recvmmsg batching) when the native library loads,
 * NIO otherwise. {@code -Ddnsflow.transport=nio} forces NIO.
 */
public final class Transports {
    /** Largest UDP datagram read in a batch; larger upstream answers are fetched over TCP. */
    public static final int MAX_UDP_PAYLOAD = 4096;
    /** Datagrams per recvmmsg call. */
    private static final int DATAGRAMS_PER_READ = 16;
    /**
     * UDP sockets allocate from a pooled allocator: each batched read takes one 64 KiB buffer, and
     * Netty's default (adaptive) allocator does not pool buffers over 16 KiB when the JVM's direct
     * memory limit is under 512 MiB (as with our bounded heap), so every read burst was a fresh
     * malloc, a 64 KiB memset and a free (~5 % of the event loops' time in the profile).
     */
    private static final PooledByteBufAllocator DATAGRAM_ALLOCATOR = new PooledByteBufAllocator(true);

    private final boolean epoll;

    /** What the UDP sockets' allocator holds, for {@code dnsflow_netty_allocator_used_bytes}. */
    public static ByteBufAllocatorMetric datagramAllocatorMetric() {
        return DATAGRAM_ALLOCATOR.metric();
    }

    private Transports(boolean epoll) {
        this.epoll = epoll;
    }

    public static Transports best() {
        boolean forceNio = "nio".equalsIgnoreCase(System.getProperty("dnsflow.transport"));
        return new Transports(!forceNio && Epoll.isAvailable());
    }

    public boolean isEpoll() {
        return epoll;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /**
     * A group of daemon threads named {@code threadName-…}: for side listeners (the sidecar's dnstap
     * receiver), so a thread dump says what each thread serves and they never hold the JVM up.
     */
    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), ioHandlerFactory());
    }

    private IoHandlerFactory ioHandlerFactory() {
        return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** A UDP bootstrap for sockets of {@code address}'s family, with batched reads under epoll. */
    public Bootstrap datagram(InetAddress address) {
        SocketProtocolFamily family = address instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        // A large receive buffer absorbs bursts instead of dropping them in the kernel (capped by rmem_max).
        Bootstrap b = new Bootstrap().option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.ALLOCATOR, DATAGRAM_ALLOCATOR);
        if (epoll) {
            b.channelFactory((ChannelFactory<Channel>) () -> new EpollDatagramChannel(family))
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_UDP_PAYLOAD)
                    .option(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(MAX_UDP_PAYLOAD * DATAGRAMS_PER_READ).maxMessagesPerRead(1));
        } else {
            b.channelFactory((ChannelFactory<Channel>) () -> new NioDatagramChannel(family))
                    .option(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(MAX_UDP_PAYLOAD));
        }
        return b;
    }

    /** Lets several sockets bind one port so each event loop owns one (epoll only). */
    public Bootstrap reusePort(Bootstrap b) {
        if (epoll) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        return b;
    }

    public Class<? extends ServerChannel> serverSocket() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** A unix domain socket listener; both transports have one (NIO's needs Java 16+). */
    public Class<? extends ServerChannel> serverDomainSocket() {
        return epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    /** The address {@link #serverDomainSocket()} binds: each transport wants its own address type. */
    public SocketAddress domainSocketAddress(Path path) {
        return epoll ? new DomainSocketAddress(path.toFile()) : UnixDomainSocketAddress.of(path);
    }

    public Class<? extends Channel> socket() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
