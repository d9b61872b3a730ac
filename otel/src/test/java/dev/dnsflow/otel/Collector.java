package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/** An OTLP/HTTP collector for tests: WireMock accepts every POST, and the bodies are decoded with the OTLP protobuf classes. */
final class Collector implements AutoCloseable {
    private final WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    /** A span as the collector received it, with the resource it came under. */
    record Received(Span span, Resource resource) {
        String traceId() {
            return HexFormat.of().formatHex(span.getTraceId().toByteArray());
        }

        String spanId() {
            return HexFormat.of().formatHex(span.getSpanId().toByteArray());
        }

        String parentSpanId() {
            return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
        }

        String name() {
            return span.getName();
        }

        AnyValue attribute(String key) {
            return Collector.attribute(span.getAttributesList(), key);
        }

        String string(String key) {
            AnyValue v = attribute(key);
            return v == null ? null : v.getStringValue();
        }

        Long number(String key) {
            AnyValue v = attribute(key);
            return v == null ? null : v.getIntValue();
        }

        String resourceString(String key) {
            AnyValue v = Collector.attribute(resource.getAttributesList(), key);
            return v == null ? null : v.getStringValue();
        }
    }

    Collector() {
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    WireMockServer server() {
        return server;
    }

    /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
    String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    List<LoggedRequest> requests() {
        return server.getAllServeEvents().stream().map(e -> e.getRequest()).toList();
    }

    /** Every span received so far, in no particular order. */
    List<Received> spans() {
        List<Received> out = new ArrayList<>();
        for (LoggedRequest r : requests()) {
            ExportTraceServiceRequest request;
            try {
                byte[] body = r.getBody();
                if (r.getUrl().endsWith("TraceService/Export")) { // gRPC: a compressed flag and a 4-byte length first
                    body = java.util.Arrays.copyOfRange(body, 5, body.length);
                }
                request = ExportTraceServiceRequest.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("not an OTLP trace export: " + r.getUrl(), e);
            }
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span s : ss.getSpansList()) {
                        out.add(new Received(s, rs.getResource()));
                    }
                }
            }
        }
        return out;
    }

    /** Waits until at least {@code count} spans matching {@code which} arrived; returns those that did. */
    List<Received> await(int count, Predicate<Received> which, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Received> got = spans().stream().filter(which).toList();
            if (got.size() >= count || System.nanoTime() > deadline) {
                return got;
            }
            Thread.sleep(20);
        }
    }

    static AnyValue attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue).findFirst().orElse(null);
    }

    @Override
    public void close() {
        server.stop();
    }
}
