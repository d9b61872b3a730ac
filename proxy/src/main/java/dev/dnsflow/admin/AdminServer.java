package dev.dnsflow.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin HTTP server ({@code --admin}, loopback by default). Serves {@code GET /health} now;
 * later features register more routes with {@link #route}. Runs on its own small thread pool,
 * never on the DNS event loops.
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    public AdminServer(InetSocketAddress bind) {
        try {
            server = HttpServer.create(bind, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for --admin on " + bind + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "dnsflow-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        route("/health", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        route("/", exchange -> respond(exchange, 404, "text/plain", "no such endpoint: " + exchange.getRequestURI().getPath() + "\n"));
    }

    public AdminServer route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())
                        && path.equals("/health")) {
                    respond(exchange, 405, "text/plain", "use GET\n");
                    return;
                }
                handler.handle(exchange);
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
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
