package dev.dnsflow.metrics;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.xbill.DNS.Rcode;

/**
 * The proxy's meters. Names are a contract (Prometheus form: {@code dnsflow_queries_total},
 * {@code dnsflow_request_duration_seconds}, …). Meters for fixed label sets are created once and kept
 * in arrays, so the hot path only increments; label values are always bounded (no query names).
 *
 * <p>Conservation: every query received is either answered ({@code dnsflow_responses_total}) or
 * dropped ({@code dnsflow_drops_total}, by reason) — exactly, which tests check.
 */
public final class ProxyMetrics {
    /** Histogram buckets from 50 µs to 8 s: fine enough for sub-millisecond p99s, wide enough for timeouts (see {@link LatencyHistogram}). */
    public static final Duration[] LATENCY_BUCKETS = {
        micros(50), micros(100), micros(250), micros(500), millis(1), millis(2), millis(5), millis(10), millis(25),
        millis(50), millis(100), millis(250), millis(500), millis(1000), millis(2000), millis(4000), millis(8000)};
    private static final Set<String> LINT_REJECTED = Set.of("process.cpu.time", "system.cpu.count");
    /** The outcome label for queries that got no answer at all. */
    public static final String DROPPED = "dropped";
    private static final String FLOW_DROPS_HELP = "Flows a sink could not keep up with or could not write";

    private final MeterRegistry registry;
    private final Counter[] queries = new Counter[Transport.values().length * TypeLabels.SLOTS];
    private final Counter[] malformed = new Counter[Transport.values().length];
    private final AtomicReferenceArray<Counter> responses = new AtomicReferenceArray<>(Outcome.values().length * 16);
    private final LatencyHistogram[] durations = new LatencyHistogram[Outcome.values().length + 1];
    private final Map<String, Counter> drops = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> flowDrops = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Transport t : Transport.values()) {
            malformed[t.ordinal()] = Counter.builder("dnsflow.malformed").tag("transport", t.json())
                    .description("Client messages that could not be parsed").register(registry);
        }
        LatencyHistogram.Family duration = new LatencyHistogram.Family(registry, "dnsflow_request_duration_seconds",
                "outcome", "Time from query received to answer sent (or dropped), every query included");
        for (Outcome o : Outcome.values()) {
            durations[o.ordinal()] = duration.with(o.json());
        }
        durations[Outcome.values().length] = duration.with(DROPPED);
    }

    /** Metrics kept in a Prometheus registry, ready for {@code /metrics}. */
    public static ProxyMetrics prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Names promtool's lint rejects ("_ns" units, a gauge ending in "_count"); other meters carry the same facts.
        registry.config().meterFilter(MeterFilter.deny(id -> LINT_REJECTED.contains(id.getName())));
        return new ProxyMetrics(registry);
    }

    /** Kept for tests and tools that never scrape. */
    public static ProxyMetrics standalone() {
        return prometheus();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, or null when the registry is not a Prometheus one. */
    public String scrape() {
        return registry instanceof PrometheusMeterRegistry p ? p.scrape() : null;
    }

    /** @param qtype the query's type, or -1 when it had no readable question */
    public void query(Transport transport, int qtype) {
        int slot = transport.ordinal() * TypeLabels.SLOTS + TypeLabels.slot(qtype);
        Counter c = queries[slot];
        if (c == null) {
            c = Counter.builder("dnsflow.queries").tag("transport", transport.json())
                    .tag("type", TypeLabels.label(TypeLabels.slot(qtype))).description("Client queries received")
                    .register(registry);
            queries[slot] = c;
        }
        c.increment();
    }

    public void malformed(Transport transport) {
        malformed[transport.ordinal()].increment();
    }

    public void response(Outcome outcome, int rcode, long durationNanos) {
        int slot = outcome.ordinal() * 16 + (rcode & 0xF);
        Counter c = responses.get(slot);
        if (c == null) {
            c = Counter.builder("dnsflow.responses").tag("outcome", outcome.json())
                    .tag("rcode", Rcode.string(rcode & 0xF))
                    .description("Responses sent to clients").register(registry);
            responses.set(slot, c);
        }
        c.increment();
        durations[outcome.ordinal()].record(durationNanos);
    }

    /** A query that got no answer at all; {@code reason} is one of a fixed set of constants. */
    public void drop(String reason, long durationNanos) {
        counter(drops, "dnsflow.drops", "reason", reason, "Client queries dropped without an answer").increment();
        durations[Outcome.values().length].record(durationNanos);
    }

    public void refused(String reason) {
        counter(refused, "dnsflow.refused", "reason", reason, "Client queries or connections refused").increment();
    }

    /** Exports {@code dnsflow_flows_dropped_total{sink}} at 0 for a sink that exists, so dashboards and alerts see it before its first drop. */
    public void flowSink(String sink) {
        counter(flowDrops, "dnsflow.flows.dropped", "sink", sink, FLOW_DROPS_HELP);
    }

    public void flowDropped(String sink) {
        flowDropped(sink, 1);
    }

    public void flowDropped(String sink, long flows) {
        counter(flowDrops, "dnsflow.flows.dropped", "sink", sink, FLOW_DROPS_HELP).increment(flows);
    }

    public double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** Sum over all label values of a counter. */
    public double total(String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    private Counter counter(Map<String, Counter> cache, String name, String tag, String value, String help) {
        Counter c = cache.get(value);
        if (c == null) {
            c = cache.computeIfAbsent(value, v -> Counter.builder(name).tag(tag, v).description(help).register(registry));
        }
        return c;
    }

    private static Duration micros(long n) {
        return Duration.ofNanos(n * 1000);
    }

    private static Duration millis(long n) {
        return Duration.ofMillis(n);
    }
}
