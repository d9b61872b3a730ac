package dev.dnsflow.sidecar;

import dev.dnsflow.dnstap.Destination;
import dev.dnsflow.net.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code --dnstap-listen unix:PATH | tcp:HOST:PORT}: a Frame Streams reader for CoreDNS's {@code dnstap}
 * plugin (and unbound, dnsdist). Per producer connection: READY → ACCEPT (dnstap content type), START,
 * data frames up to 1 MiB, STOP → FINISH. A producer that disconnects mid-frame or breaks the rules only
 * loses its own connection.
 *
 * <p>Why one event loop thread and these limits: CoreDNS opens one connection per {@code dnstap} plugin
 * instance, so a handful of producers is normal, but anything that can reach the socket can connect. With a
 * thread per connection, idle connections cost a thread each, forever. Here one thread serves all
 * producers; at most {@link Limits#maxConnections} are open (more are closed at once); a connection that has
 * not completed the handshake within {@link Limits#handshakeTimeout} is closed, so a flood of idle
 * connections locks real producers out for at most that long; each holds at most one frame in memory.
 * Every closed connection is counted ({@link DnstapListenerMetrics}).
 */
public final class FrameStreamsReceiver implements AutoCloseable {
    static final int MAX_FRAME = 1 << 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 5;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
    private static final String THREAD_NAME = "dnsflow-dnstap-in";

    /**
     * @param maxConnections   producer connections open at once; one more is closed at once
     * @param handshakeTimeout how long a new connection has to complete READY → ACCEPT → START
     */
    public record Limits(int maxConnections, Duration handshakeTimeout) {
        public static final Limits DEFAULT = new Limits(DEFAULT_MAX_CONNECTIONS, DEFAULT_HANDSHAKE_TIMEOUT);

        public Limits {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("--dnstap-max-connections must be at least 1: " + maxConnections);
            }
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("dnstap handshake timeout must be positive: " + handshakeTimeout);
            }
        }
    }

    private final Destination where;
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicLong received = new AtomicLong();

    /** With the default limits and a private registry (tests, tools). */
    public FrameStreamsReceiver(String listen, Consumer<byte[]> frames) {
        this(listen, frames, Limits.DEFAULT, new SimpleMeterRegistry());
    }

    /**
     * @param frames   called with each data frame (a serialized Dnstap), on the listener's event loop
     *                 thread: it must not block
     * @param registry where {@code dnsflow_dnstap_in_connections*} go
     */
    public FrameStreamsReceiver(String listen, Consumer<byte[]> frames, Limits limits, MeterRegistry registry) {
        this.where = parse(listen);
        Transports transports = Transports.best();
        SocketAddress bindTo = where.kind() == Destination.Kind.UNIX
                ? transports.domainSocketAddress(freeSocketPath(where.path()))
                : new InetSocketAddress(where.host(), where.port());
        Semaphore slots = new Semaphore(limits.maxConnections());
        DnstapListenerMetrics metrics = new DnstapListenerMetrics(registry,
                () -> limits.maxConnections() - slots.availablePermits());
        long handshakeNanos = limits.handshakeTimeout().toNanos();
        this.group = transports.newGroup(1, THREAD_NAME);
        try {
            this.server = new ServerBootstrap().group(group)
                    .channel(where.kind() == Destination.Kind.UNIX ? transports.serverDomainSocket() : transports.serverSocket())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new FrameStreamsProducerHandler(slots, handshakeNanos, MAX_FRAME, frames,
                                    received, metrics));
                        }
                    }).bind(bindTo).syncUninterruptibly().channel();
            if (where.kind() == Destination.Kind.UNIX) {
                openToEveryone(where.path());
            }
        } catch (Exception e) { // Netty rethrows bind's IOException undeclared: catch it all
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("--dnstap-listen " + listen + ": cannot listen: " + e.getMessage(), e);
        }
    }

    /**
     * Makes the socket rw for everyone (0666), instead of what dnsflow's umask leaves (0755 under 022): CoreDNS, in
     * its own container, connects as its own uid (root, 65532 or another), and connecting to a Unix socket needs
     * write permission on it. The socket lives in a pod-private emptyDir (/var/run/dnsflow), so this opens it to
     * the pod's containers and to nothing outside the pod; elsewhere, the directory you choose is what guards it.
     */
    private static void openToEveryone(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    /** The socket path, cleared of a stale socket from a previous run; never a file or directory. */
    private static Path freeSocketPath(Path path) {
        try {
            if (Files.isRegularFile(path) || Files.isDirectory(path)) {
                throw new IOException(path + " exists and is not a socket; refusing to replace it");
            }
            Files.deleteIfExists(path);
            return path;
        } catch (IOException e) {
            throw new IllegalStateException("--dnstap-listen unix:" + path + ": cannot listen: " + e.getMessage(), e);
        }
    }

    /** {@code unix:PATH} or {@code tcp:HOST:PORT} (port 0 picks a free one). */
    private static Destination parse(String listen) {
        if (listen.startsWith("unix:") && listen.length() > 5) {
            return new Destination(Destination.Kind.UNIX, Path.of(listen.substring(5)), null, 0);
        }
        if (listen.startsWith("tcp:")) {
            String rest = listen.substring(4);
            int colon = rest.lastIndexOf(':');
            try {
                int port = Integer.parseInt(rest.substring(colon + 1));
                String host = rest.substring(0, Math.max(0, colon)).replace("[", "").replace("]", "");
                if (!host.isEmpty() && port >= 0 && port <= 65535) {
                    return new Destination(Destination.Kind.TCP, null, host, port);
                }
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("--dnstap-listen '" + listen + "': use unix:PATH or tcp:HOST:PORT");
    }

    /** The bound address (useful with tcp port 0). */
    public SocketAddress address() {
        return server.localAddress();
    }

    /** Data frames received so far, over all producers. */
    public long received() {
        return received.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        // Shutting the loop down closes every producer connection on it too.
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (where.kind() == Destination.Kind.UNIX) {
            try {
                Files.deleteIfExists(where.path());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
