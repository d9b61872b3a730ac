package dev.dnsflow.admin;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.record.FlowRecorder;
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
 *                              min_duration, since, until; limit (default 100)
 * GET /api/v1/flows/stream     the same filters, live: NDJSON, or SSE with Accept: text/event-stream
 * GET /api/v1/flows/{id}       one flow, 404 if gone
 * GET /api/v1/top              by=name|client|upstream, window=5m, limit=10, plus the filters
 * GET /api/v1/chaos[/NAME]     chaos rules; PUT (JSON rule) and DELETE need the admin token
 * </pre>
 */
public final class AdminApi {
    private static final Set<String> GET = Set.of("GET", "HEAD");

    private AdminApi() {
    }

    /** @param notReady why /ready answers 503 (shutting down, no healthy upstream), or null when ready */
    public static void register(AdminServer server, ProxyMetrics metrics, FlowRecorder recorder, Supplier<String> notReady,
                                ChaosApi chaos, AdminToken token) {
        register(server, metrics, recorder, notReady, chaos, token, new RingReads());
    }

    /** @param reads where whole-ring reads take turns (a test may hold them) */
    static void register(AdminServer server, ProxyMetrics metrics, FlowRecorder recorder, Supplier<String> notReady,
                         ChaosApi chaos, AdminToken token, RingReads reads) {
        Clock clock = Clock.systemUTC();
        FlowsApi flows = new FlowsApi(recorder.ring(), clock, reads);
        FlowStreams streams = new FlowStreams(metrics, clock);
        TopApi top = new TopApi(recorder.ring(), clock, reads);
        recorder.addSink(streams);
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
        server.route(ChaosApi.PREFIX, Set.of("GET", "HEAD", "PUT", "DELETE"),
                exchange -> chaos.handle(exchange, token::permits));
    }
}
