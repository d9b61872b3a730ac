package dev.dnsflow.admin;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request of the Netty admin server, seen by the handlers as the JDK's {@link HttpExchange}, so
 * they did not change when the server did. {@link #sendResponseHeaders} follows the JDK's contract
 * (length 0: chunked, -1: no body, more: that many bytes). The response body goes to the channel as
 * it is written and a writer waits while the channel is not writable: a live stream or a long flow
 * list to a client that reads slowly holds its thread, never an unbounded buffer.
 */
final class NettyExchange extends HttpExchange {
    /** Bytes gathered before they are sent as one chunk (a flush sends them earlier). */
    private static final int BUFFER = 8192;
    /** Every answer names the dnsflow that gave it: {@code dnsflow status} reads each pod's version from it. */
    static final String SERVER = "dnsflow/" + java.util.Objects.requireNonNullElse(
            NettyExchange.class.getPackage().getImplementationVersion(), "dev");

    private final Channel channel;
    private final Connection connection;
    private final String method;
    private final URI uri;
    private final HttpVersion version;
    private final boolean keepAlive;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private final byte[] body;
    private final Body out = new Body();
    private final Map<String, Object> attributes = new HashMap<>();
    private int status = -1;
    private long length;
    private long written;
    private boolean closeAfter;
    private boolean ended;

    /** What the exchange needs from its connection. */
    interface Connection {
        /** Waits while the channel cannot take more; throws when the client has gone. */
        void awaitWritable() throws IOException;

        /** The response is complete: read the next request, or close the channel. */
        void ended(boolean close);
    }

    NettyExchange(Channel channel, Connection connection, String method, URI uri, HttpVersion version, boolean keepAlive,
                  Headers requestHeaders, byte[] body) {
        this.channel = channel;
        this.connection = connection;
        this.method = method;
        this.uri = uri;
        this.version = version;
        this.keepAlive = keepAlive;
        this.requestHeaders = requestHeaders;
        this.body = body;
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public HttpContext getHttpContext() {
        return null;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // the client is gone; the channel is closed below
        }
        end();
    }

    @Override
    public InputStream getRequestBody() {
        return new ByteArrayInputStream(body);
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    private boolean head() {
        return "HEAD".equals(method);
    }

    @Override
    public synchronized void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (status >= 0) {
            throw new IllegalStateException("headers already sent");
        }
        status = rCode;
        HttpResponse response = new DefaultHttpResponse(version, HttpResponseStatus.valueOf(rCode));
        for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
            response.headers().add(e.getKey(), e.getValue());
        }
        response.headers().set(HttpHeaderNames.SERVER, SERVER);
        boolean noBody = head() || rCode == 204 || rCode == 304 || responseLength < 0;
        length = noBody ? -1 : responseLength;
        closeAfter = !keepAlive;
        if (!head() && !(rCode == 204 || rCode == 304)) {
            if (responseLength > 0) {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, responseLength);
            } else if (responseLength < 0) {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            } else if (version.equals(HttpVersion.HTTP_1_0)) {
                closeAfter = true; // no chunks in HTTP/1.0: the end of the body is the end of the connection
            } else {
                response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (closeAfter) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (!channel.isActive()) {
            throw new IOException("the client went away");
        }
        channel.writeAndFlush(response);
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public String getProtocol() {
        return version.text();
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        throw new UnsupportedOperationException("setStreams");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    /** Whether the status line has gone out: from then on a failure can no longer be answered with a status. */
    synchronized boolean responseStarted() {
        return status >= 0;
    }

    /**
     * Ends a response cut off midway: the connection is closed without the last chunk (or short of
     * the announced length), so the client sees the body incomplete instead of a whole one.
     */
    synchronized void abort() {
        if (ended) {
            return;
        }
        ended = true;
        out.closed = true;
        connection.ended(true);
    }

    /** Ends the response once: the last chunk, then the next request or the end of the connection. */
    private synchronized void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (status < 0 || !channel.isActive()) {
            connection.ended(true); // nothing answered (all the client can be told is the end), or gone
            return;
        }
        boolean close = closeAfter || (length > 0 && written != length);
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(close ? ChannelFutureListener.CLOSE
                : ChannelFutureListener.CLOSE_ON_FAILURE);
        connection.ended(close);
    }

    /** The response body: gathered up to {@link #BUFFER} bytes, then sent, waiting while the channel is full. */
    private final class Body extends OutputStream {
        private byte[] buf = new byte[BUFFER];
        private int count;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the response body is closed");
            }
            if (status < 0) {
                throw new IOException("sendResponseHeaders first");
            }
            if (length < 0) {
                if (len > 0 && !head()) {
                    throw new IOException("this response has no body");
                }
                return; // HEAD: the body is not sent
            }
            if (length > 0 && written + len > length) {
                throw new IOException("more than the " + length + " bytes announced");
            }
            written += len;
            if (count + len <= buf.length) {
                System.arraycopy(b, off, buf, count, len);
                count += len;
                return;
            }
            send();
            if (len >= buf.length) {
                sendNow(Arrays.copyOfRange(b, off, off + len));
            } else {
                System.arraycopy(b, off, buf, 0, len);
                count = len;
            }
        }

        @Override
        public void flush() throws IOException {
            if (status >= 0 && !closed) {
                send();
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            try {
                if (status >= 0) {
                    send();
                }
            } finally {
                closed = true;
                end();
            }
        }

        private void send() throws IOException {
            if (count == 0) {
                return;
            }
            byte[] chunk = Arrays.copyOf(buf, count);
            count = 0;
            sendNow(chunk);
        }

        private void sendNow(byte[] chunk) throws IOException {
            if (!channel.isActive()) {
                throw new IOException("the client went away");
            }
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("admin server closing");
            }
            connection.awaitWritable();
        }
    }
}
