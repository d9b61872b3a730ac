package dev.dnsflow.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin HTTP server ({@code --admin}, loopback by default). Routes are registered by path
 * prefix with the methods they accept; everything runs on the server's own threads, never on the
 * DNS event loops. A handler that throws {@link IllegalArgumentException} produces a 400 with its
 * message, so bad input is always answered with what was wrong.
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
    /** Requests waiting for a thread at most. */
    static final int MAX_QUEUED = 128;

    private final HttpServer server;
    private final ExecutorService executor;

    public AdminServer(InetSocketAddress bind) {
        try {
            server = HttpServer.create(bind, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for --admin on " + bind + ": " + e.getMessage(), e);
        }
        // Each live flow stream holds a thread while it waits for flows; past the streams, a few more
        // serve everything else. Bounded, so no number of clients can make it grow without end:
        // connections beyond the queue are closed by the server.
        executor = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "dnsflow-admin");
                    t.setDaemon(true);
                    return t;
                });
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
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

    public AdminServer route(String path, Set<String> methods, Handler handler) {
        server.createContext(path, exchange -> {
            try {
                if (!methods.contains(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", String.join(", ", methods));
                    respond(exchange, 405, "text/plain", exchange.getRequestMethod() + " is not allowed here; use "
                            + String.join(" or ", methods) + "\n");
                    return;
                }
                handler.handle(exchange);
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
        });
        return this;
    }

    public AdminServer start() {
        server.start();
        return this;
    }

    public InetSocketAddress address() {
        return server.getAddress();
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

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
