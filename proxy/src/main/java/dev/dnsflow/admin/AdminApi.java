package dev.dnsflow.admin;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.record.FlowRing;
import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The admin endpoints, registered in one place:
 * <pre>
 * GET /health                  process alive
 * GET /ready                   at least one upstream healthy and not shutting down (503 otherwise)
 * GET /metrics                 Prometheus text format
 * GET /api/v1/flows            newest first; filters name, type, rcode, outcome, client, upstream,
 *                              min_duration, since, until; who asked in the cluster: namespace, pod
 *                              (NAME or glob web-*), workload ([KIND/]NAME), node; limit (default 100)
 * GET /api/v1/flows/stream     the same filters, live: NDJSON, or SSE with Accept: text/event-stream
 * GET /api/v1/flows/{id}       one flow, 404 if gone
 * GET /api/v1/top              by=name|client|upstream|namespace|workload|pod, window=5m, limit=10, plus the filters
 * (plugins add theirs: /api/v1/chaos[/NAME] by chaos)
 * </pre>
 */
public final class AdminApi {
    private static final Set<String> GET = Set.of("GET", "HEAD");

    private AdminApi() {
    }

    /**
     * Registers the core endpoints (plugins add their own, e.g. chaos).
     *
     * @param notReady why /ready answers 503 (shutting down, no healthy upstream), or null when ready
     * @return the sink that feeds {@code /api/v1/flows/stream}: the caller adds it with the other sinks
     */
    public static FlowSink register(AdminServer server, ProxyMetrics metrics, FlowRing ring, Supplier<String> notReady) {
        return register(server, metrics, ring, notReady, new RingReads());
    }

    /** @param reads where whole-ring reads take turns (a test may hold them) */
    static FlowSink register(AdminServer server, ProxyMetrics metrics, FlowRing ring, Supplier<String> notReady,
                             RingReads reads) {
        Clock clock = Clock.systemUTC();
        FlowsApi flows = new FlowsApi(ring, clock, reads);
        FlowStreams streams = new FlowStreams(metrics, clock);
        TopApi top = new TopApi(ring, clock, reads);
        server.exact("/ready", GET, exchange -> {
            String why = notReady.get();
            AdminServer.respond(exchange, why == null ? 200 : 503, "text/plain", why == null ? "ready\n" : why + "\n");
        });
        server.exact("/metrics", GET, exchange ->
                AdminServer.respond(exchange, 200, "text/plain; version=0.0.4", metrics.scrape()));
        server.route(FlowsApi.PREFIX, GET, exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals(FlowsApi.PREFIX) || path.equals(FlowsApi.PREFIX + "/")) {
                flows.list(exchange);
            } else if (path.equals(FlowStreams.PATH)) {
                streams.stream(exchange);
            } else {
                flows.one(exchange, path.substring(FlowsApi.PREFIX.length() + 1));
            }
        });
        server.route(TopApi.PATH, GET, top::top);
        return streams;
    }
}
