package dev.dnsflow.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.dnsflow.flow.Askers;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.record.FlowRing;
import dev.dnsflow.util.Durations;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /api/v1/top?by=name|client|upstream|namespace|workload|pod&window=5m&limit=10} plus any flow
 * filter: who is asking, failing or slow right now (dnsdist's topQueries / topSlow / topTimeouts in one). By
 * upstream it counts attempts, so a timing-out upstream stands out even when a retry elsewhere saved the query;
 * by anything else it counts flows. By namespace, workload or pod it groups by who asked in the cluster
 * ({@link Askers}: {@code default}, {@code default/Deployment/web}, {@code default/mypod}), flows whose asker is
 * not known under {@code (unknown)}. The cache's background refreshes ({@code cache.result=refresh}) are no client's
 * queries: only {@code by=upstream} counts their attempts.
 */
final class TopApi {
    static final String PATH = "/api/v1/top";
    /** The key of queries whose question could not be read (answered FORMERR): a name no query can have. */
    static final String NO_QUESTION = "(no question)";
    private static final Set<String> OWN = Set.of("by", "window", "limit");
    /** The {@code by} values, in the order the error message lists them. */
    private static final List<String> BY = List.of("name", "client", "upstream", "namespace", "workload", "pod");

    private final FlowRing ring;
    private final Clock clock;
    private final RingReads reads;

    TopApi(FlowRing ring, Clock clock, RingReads reads) {
        this.ring = ring;
        this.clock = clock;
        this.reads = reads;
    }

    void top(HttpExchange exchange) throws IOException {
        Map<String, String> params = Params.of(exchange.getRequestURI());
        String by = params.getOrDefault("by", "name");
        if (!BY.contains(by)) {
            throw new IllegalArgumentException("by: '" + by + "' must be " + String.join(", ", BY.subList(0, BY.size() - 1))
                    + " or " + BY.get(BY.size() - 1));
        }
        Duration window;
        try {
            window = Durations.parse(params.getOrDefault("window", "5m"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("window: " + e.getMessage());
        }
        int limit = Params.positive(params, "limit", 10, 1000);
        Instant now = clock.instant();
        FlowFilter filter = FlowFilter.parse(params, OWN, now);
        Instant from = now.minus(window);
        long fromNanos = from.getEpochSecond() * 1_000_000_000L + from.getNano();

        if (FlowsApi.ringOff(exchange, ring)) {
            return;
        }
        Map<String, Row> rows = new HashMap<>();
        int[] counted = new int[1];
        if (!reads.once(exchange, () -> counted[0] = ring.newest(ring.capacity(),
                f -> f.timeEpochNanos() >= fromNanos && filter.test(f) && (by.equals("upstream") || !CacheMark.background(f)),
                f -> count(by, f, rows)))) {
            return;
        }
        int flows = counted[0];
        List<Row> top = rows.values().stream()
                .sorted(Comparator.comparingLong((Row r) -> r.count).reversed().thenComparing(r -> r.key)).limit(limit).toList();

        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody(); JsonGenerator json = FlowJson.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("by", by);
            json.writeStringField("window", Durations.text(window));
            json.writeStringField("since", FlowJson.time(fromNanos));
            json.writeNumberField("flows", flows);
            json.writeArrayFieldStart("items");
            for (Row r : top) {
                r.write(json);
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        }
    }

    private static void count(String by, Flow f, Map<String, Row> rows) {
        if (by.equals("upstream")) {
            for (Attempt a : f.attempts()) {
                rows.computeIfAbsent(a.upstream(), Row::new).add(a.outcome().json(), a.rttMicros());
            }
            return;
        }
        String key = switch (by) {
            case "name" -> nameKey(f);
            case "client" -> f.client().ip();
            case "namespace" -> Askers.namespace(f);
            case "workload" -> Askers.workload(f);
            default -> Askers.pod(f);
        };
        rows.computeIfAbsent(key, Row::new).add(f.outcome().json(), f.durationMicros());
    }

    /** DNS names compare case-insensitively: {@code ExAmPlE.CoM.} is {@code example.com.}. */
    private static String nameKey(Flow f) {
        String name = f.query().name();
        return name == null ? NO_QUESTION : name.toLowerCase(Locale.ROOT);
    }

    /** Counts for one key. */
    private static final class Row {
        final String key;
        long count;
        long totalMicros;
        long maxMicros;
        final Map<String, Long> outcomes = new TreeMap<>();

        Row(String key) {
            this.key = key;
        }

        void add(String outcome, long micros) {
            count++;
            totalMicros += micros;
            maxMicros = Math.max(maxMicros, micros);
            outcomes.merge(outcome, 1L, Long::sum);
        }

        void write(JsonGenerator json) throws IOException {
            json.writeStartObject();
            json.writeStringField("key", key);
            json.writeNumberField("count", count);
            json.writeObjectFieldStart("outcomes");
            for (Map.Entry<String, Long> e : outcomes.entrySet()) {
                json.writeNumberField(e.getKey(), e.getValue());
            }
            json.writeEndObject();
            json.writeNumberField("avg_us", count == 0 ? 0 : totalMicros / count);
            json.writeNumberField("max_us", maxMicros);
            json.writeEndObject();
        }
    }
}
