package dev.dnsflow.admin;

import com.sun.net.httpserver.HttpExchange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import dev.dnsflow.net.Transports;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin HTTP server ({@code --admin}, loopback by default). Routes are registered by path
 * prefix (the longest wins) with the methods they accept. HTTP is parsed by Netty on one I/O thread
 * of its own; the handlers run on a bounded pool, never on the DNS event loops. A handler that throws
 * {@link IllegalArgumentException} produces a 400 with its message, so bad input is always answered
 * with what was wrong.
 *
 * <p>Netty rather than the JDK's {@code com.sun.net.httpserver}: that one parses the request line
 * with {@code new URI(...)} before any handler runs, so a filter with an unencoded {@code |} or
 * {@code {}} (a regex typed into curl) got its own HTML "URISyntaxException" page. Here the request
 * target is percent-encoded where it has to be and the handlers see what the user typed.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());

    /** A route's work; it writes the whole response. */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** Threads at most: one per live flow stream, plus some for every other request. */
    static final int MAX_THREADS = FlowStreams.MAX_CLIENTS + RingReads.ADMITTED + 8;
    /** Requests waiting for a thread at most; more get 503. */
    static final int MAX_QUEUED = 128;
    /** Open connections at most; more are closed at once. */
    static final int MAX_CONNECTIONS = 512;
    /** A request body larger than this gets 413. */
    static final int MAX_BODY = 1 << 20;
    /** A request line longer than this gets 414. */
    static final int MAX_LINE = 64 << 10;
    /** A connection with no request in progress and nothing read for this long is closed. */
    private static final int IDLE_SECONDS = 60;
    /**
     * A response the client has not taken any of for this long (the channel stayed full) is cut off:
     * its connection is closed and its handler ends, freeing its thread and its ring-read admission.
     * Without it, clients that ask and never read held those forever.
     */
    static final Duration STALL_LIMIT = Duration.ofSeconds(30);

    private record Route(String path, Set<String> methods, Handler handler) {
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor executor;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup("dnsflow-admin", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel server;

    public AdminServer(InetSocketAddress bind) {
        this(bind, STALL_LIMIT);
    }

    /** @param stallLimit how long a response may wait for a client that reads nothing; see {@link #STALL_LIMIT} */
    AdminServer(InetSocketAddress bind, Duration stallLimit) {
        // Each live flow stream holds a thread while it waits for flows; past the streams, a few more
        // serve everything else. Bounded, so no number of clients can make it grow without end:
        // requests beyond the queue get 503.
        executor = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "dnsflow-admin");
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        Transports transports = Transports.best();
        group = transports.newGroup(1, "dnsflow-admin-io");
        ServerBootstrap b = new ServerBootstrap().group(group).channel(transports.serverSocket())
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.AUTO_READ, false) // accept once start() is called
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 << 10, 64 << 10))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        channels.add(ch);
                        ch.pipeline().addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0),
                                new HttpServerCodec(MAX_LINE, 16 << 10, 8192),
                                new HttpObjectAggregator(MAX_BODY),
                                new AdminConnection(executor, AdminServer.this::serve, stallLimit));
                    }
                });
        try {
            server = b.bind(bind).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen for --admin on " + bind + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        exact("/health", Set.of("GET", "HEAD"), exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        route("/", Set.of("GET", "HEAD", "POST", "PUT", "DELETE"), AdminServer::notFound);
    }

    /**
     * A route for {@code path} exactly: anything below it (e.g. {@code /health/x}) is a 404 like any
     * other unknown path, so a probe or scraper with a typo is not told all is well.
     */
    public AdminServer exact(String path, Set<String> methods, Handler handler) {
        return route(path, methods, exchange -> {
            if (exchange.getRequestURI().getPath().equals(path)) {
                handler.handle(exchange);
            } else {
                notFound(exchange);
            }
        });
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        respond(exchange, 404, "text/plain", "no such endpoint: " + exchange.getRequestURI().getPath() + "\n");
    }

    /** Serves requests whose path starts with {@code path} (the longest such route wins). */
    public AdminServer route(String path, Set<String> methods, Handler handler) {
        routes.removeIf(r -> r.path.equals(path));
        routes.add(new Route(path, Set.copyOf(methods), handler));
        return this;
    }

    public AdminServer start() {
        server.config().setAutoRead(true);
        return this;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType + "; charset=utf-8");
        exchange.sendResponseHeaders(status, "HEAD".equals(exchange.getRequestMethod()) ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                out.write(bytes);
            }
        }
    }

    private static void respondQuietly(HttpExchange exchange, int status, String body) {
        try {
            respond(exchange, status, "text/plain", body);
        } catch (IOException | IllegalStateException alreadyStarted) {
            // headers already sent or client gone: nothing more to say
        }
    }

    /** On a pool thread: the route's handler with the server's answers for what it throws. */
    private void serve(NettyExchange exchange) {
        try {
            dispatch(exchange);
        } catch (IOException | RuntimeException e) {
            if (exchange.responseStarted()) {
                // Too late for an error status, and the last chunk would make a cut-off body look whole.
                LOG.log(e instanceof IOException ? Level.FINE : Level.WARNING,
                        "admin response cut off for " + exchange.getRequestURI(), e);
                exchange.abort();
            } else {
                answerFailure(exchange, e);
            }
        } finally {
            exchange.close(); // after the catch blocks: they may still have to answer
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Route route = null;
        for (Route r : routes) {
            if (path != null && path.startsWith(r.path) && (route == null || r.path.length() > route.path.length())) {
                route = r;
            }
        }
        if (route == null) {
            notFound(exchange);
        } else if (!route.methods.contains(exchange.getRequestMethod())) {
            List<String> allowed = route.methods.stream().sorted().toList();
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            respond(exchange, 405, "text/plain", exchange.getRequestMethod() + " is not allowed here; use "
                    + String.join(" or ", allowed) + "\n");
        } else {
            route.handler.handle(exchange);
        }
    }

    /** A handler failed before answering: bad input is a 400 saying what was wrong, a bug a 500. */
    private static void answerFailure(HttpExchange exchange, Exception e) {
        if (e instanceof IllegalArgumentException) {
            respondQuietly(exchange, 400, e.getMessage() + "\n");
        } else if (e instanceof IOException) {
            LOG.log(Level.FINE, "admin client went away", e);
        } else {
            LOG.log(Level.WARNING, "admin handler failed for " + exchange.getRequestURI(), e);
            respondQuietly(exchange, 500, "internal error: " + e + "\n");
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        executor.shutdownNow();
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS); // handlers see their clients gone and end
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
