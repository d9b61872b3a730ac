package dev.dnsflow.admin;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
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
    /** Requests a client may send ahead of the answers (pipelining) before its connection is closed. */
    private static final int MAX_PIPELINED = 16;
    /** A connection with no request in progress and nothing read for this long is closed. */
    private static final int IDLE_SECONDS = 60;

    private record Route(String path, Set<String> methods, Handler handler) {
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor executor;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup("dnsflow-admin", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel server;

    public AdminServer(InetSocketAddress bind) {
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
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("dnsflow-admin-io", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
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
                                new Connection());
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
    private void serve(HttpExchange exchange) {
        try {
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
        } catch (IllegalArgumentException e) {
            respondQuietly(exchange, 400, e.getMessage() + "\n");
        } catch (IOException e) {
            LOG.log(Level.FINE, "admin client went away", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "admin handler failed for " + exchange.getRequestURI(), e);
            respondQuietly(exchange, 500, "internal error: " + e + "\n");
        } finally {
            exchange.close(); // after the catch blocks: they may still have to answer
        }
    }

    /**
     * The request target as a {@link URI}, with what {@code java.net.URI} would reject percent-encoded
     * ({@code |}, {@code {}}, {@code ^}, spaces, raw UTF-8, a {@code %} not followed by two hex digits,
     * ...), so that the query decodes to exactly what the client sent. Netty hands over the request
     * line one char per byte (ISO-8859-1).
     */
    static URI target(String raw) throws URISyntaxException {
        StringBuilder out = new StringBuilder(raw.length() + 16);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean keep = c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0
                    || (c == '%' && hex(raw, i + 1) && hex(raw, i + 2)));
            if (keep) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return new URI(out.toString());
    }

    private static boolean hex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80;
    }

    /** One client connection: requests in order, one at a time, each handed to the pool. */
    private final class Connection extends ChannelInboundHandlerAdapter implements NettyExchange.Connection {
        private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        private final Object writable = new Object();
        private volatile Channel channel;
        private boolean busy;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (busy) {
                if (waiting.size() >= MAX_PIPELINED) {
                    request.release();
                    ctx.close();
                    return;
                }
                waiting.add(request);
                ctx.channel().config().setAutoRead(false);
                return;
            }
            dispatch(ctx, request);
        }

        /** On the I/O thread. */
        private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
            Channel ch = ctx.channel();
            NettyExchange exchange;
            try {
                if (request.decoderResult().isFailure()) {
                    refuse(ctx, request, request.decoderResult().cause());
                    return;
                }
                URI uri;
                try {
                    uri = target(request.uri());
                } catch (URISyntaxException e) {
                    answer(ctx, request, HttpResponseStatus.BAD_REQUEST, "request: cannot read the target '"
                            + request.uri() + "': " + e.getReason() + "\n", true);
                    return;
                }
                Headers headers = new Headers();
                for (Map.Entry<String, String> h : request.headers()) {
                    headers.add(h.getKey(), h.getValue());
                }
                byte[] body = ByteBufUtil.getBytes(request.content());
                exchange = new NettyExchange(ch, this, request.method().name(), uri, request.protocolVersion(),
                        HttpUtil.isKeepAlive(request), headers, body);
            } finally {
                request.release();
            }
            busy = true;
            ch.config().setAutoRead(false);
            try {
                executor.execute(() -> serve(exchange));
            } catch (RejectedExecutionException full) {
                busy = false;
                FullHttpResponse r = text(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "the admin server is busy (" + MAX_THREADS + " requests in progress, " + MAX_QUEUED
                                + " waiting); try again\n");
                r.headers().set("Retry-After", "1");
                HttpUtil.setKeepAlive(r, false);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, Throwable cause) {
            if (cause instanceof TooLongHttpLineException) {
                answer(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                        "request: the request line is longer than " + MAX_LINE + " bytes\n", true);
            } else if (cause instanceof TooLongHttpHeaderException) {
                answer(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "request: the headers are too large\n", true);
            } else if (cause instanceof TooLongFrameException) {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST, "request: too large\n", true);
            } else {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST, "request: cannot parse it: " + cause.getMessage()
                        + "\n", true);
            }
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String body,
                            boolean close) {
            FullHttpResponse r = text(HttpVersion.HTTP_1_1, status, body);
            HttpUtil.setKeepAlive(r, !close);
            ctx.writeAndFlush(r).addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        private FullHttpResponse text(HttpVersion version, HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(version, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            return r;
        }

        /** From the pool thread: the response is complete. */
        @Override
        public void ended(boolean close) {
            try {
                next(close);
            } catch (RejectedExecutionException closing) {
                channel.close(); // the server is closing
            }
        }

        private void next(boolean close) {
            Channel ch = channel;
            if (close) {
                ch.eventLoop().execute(() -> {
                    releaseWaiting();
                    ch.close();
                });
                return;
            }
            ch.eventLoop().execute(() -> {
                busy = false;
                FullHttpRequest next = waiting.poll();
                if (next != null) {
                    dispatch(ch.pipeline().context(this), next);
                } else {
                    ch.config().setAutoRead(true);
                    ch.read();
                }
            });
        }

        @Override
        public void awaitWritable() throws IOException {
            Channel ch = channel;
            synchronized (writable) {
                while (!ch.isWritable()) {
                    if (!ch.isActive()) {
                        throw new IOException("the client went away");
                    }
                    try {
                        writable.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("admin server closing");
                    }
                }
            }
            if (!ch.isActive()) {
                throw new IOException("the client went away");
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            synchronized (writable) {
                writable.notifyAll();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            releaseWaiting();
            synchronized (writable) {
                writable.notifyAll();
            }
            super.channelInactive(ctx);
        }

        private void releaseWaiting() {
            FullHttpRequest r;
            while ((r = waiting.poll()) != null) {
                r.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent && !busy) {
                ctx.close(); // a client that opened a connection and sent nothing (more) for a minute
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.FINE, "admin connection failed", cause);
            ctx.close();
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
