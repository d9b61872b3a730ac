package dev.dnsflow.admin;

import com.sun.net.httpserver.Headers;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One admin client connection on the server's I/O thread: requests in order, one at a time, each
 * handed to the pool; the response is written back as the handler produces it, the handler waiting
 * while the client is not reading.
 */
final class AdminConnection extends ChannelInboundHandlerAdapter implements NettyExchange.Connection {
private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());
/** Requests a client may send ahead of the answers (pipelining) before its connection is closed. */
private static final int MAX_PIPELINED = 16;

private final Executor executor;
private final Consumer<NettyExchange> serve;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private final Object writable = new Object();
    private final long stallNanos;
    private volatile Channel channel;
    private boolean busy;

    /**
     * @param serve runs one request's handler (on a pool thread)
     * @param stallLimit how long a writer waits for a full channel before the connection is closed
     */
    AdminConnection(Executor executor, Consumer<NettyExchange> serve, Duration stallLimit) {
        this.executor = executor;
        this.serve = serve;
        this.stallNanos = stallLimit.toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
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
                uri = RequestTarget.parse(request.uri());
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
            executor.execute(() -> serve.accept(exchange));
        } catch (RejectedExecutionException full) {
            busy = false;
            FullHttpResponse r = text(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the admin server is busy (" + AdminServer.MAX_THREADS + " requests in progress, " + AdminServer.MAX_QUEUED
                            + " waiting); try again\n");
            r.headers().set("Retry-After", "1");
            HttpUtil.setKeepAlive(r, false);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            answer(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "request: the request line is longer than " + AdminServer.MAX_LINE + " bytes\n", true);
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

    /**
     * Waits while the channel is full; a client that has taken nothing for the stall limit is cut
     * off (the idle timer does not run while a request is in progress, so this is what ends it).
     */
    @Override
    public void awaitWritable() throws IOException {
        Channel ch = channel;
        long deadline = System.nanoTime() + stallNanos;
        synchronized (writable) {
            while (!ch.isWritable()) {
                if (!ch.isActive()) {
                    throw new IOException("the client went away");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    ch.close();
                    throw new IOException("the client read nothing for " + TimeUnit.NANOSECONDS.toMillis(stallNanos)
                            + " ms; connection closed");
                }
                try {
                    writable.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
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
