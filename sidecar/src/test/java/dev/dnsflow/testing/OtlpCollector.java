package dev.dnsflow.testing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An OTLP/HTTP collector for tests that run dnsflow as its own process: accepts every trace export on
 * {@code /v1/traces} and keeps the spans, decoded with the OTLP protobuf classes.
 */
public final class OtlpCollector implements AutoCloseable {
    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();

    public OtlpCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(body).getResourceSpansList()) {
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        spans.addAll(ss.getSpansList());
                    }
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } catch (IOException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The base endpoint, as {@code --otlp-endpoint} takes it. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The spans matching {@code which}, once there are at least {@code count} of them (waited for up to 15 s). */
    public List<Span> await(Predicate<Span> which, int count) throws InterruptedException {
        long until = System.nanoTime() + 15_000_000_000L; // the exporters batch for up to a second
        List<Span> found = List.of();
        while (System.nanoTime() < until) {
            found = spans.stream().filter(which).toList();
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("only " + found.size() + " of " + count + " spans arrived: " + found);
    }

    /** A string or integer attribute of {@code span} as text, or null. */
    public static String attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                return v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue();
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
