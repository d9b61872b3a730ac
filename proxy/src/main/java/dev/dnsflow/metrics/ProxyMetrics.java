package dev.dnsflow.metrics;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The proxy's counters. Names follow the metric contract (micrometer adds {@code _total} in
 * Prometheus form). Counters for fixed label sets are created once and kept in arrays, so the hot
 * path only increments; label values are always bounded (no query names).
 *
 * <p>Conservation: every query received is either answered ({@code dnsflow.responses}) or dropped
 * ({@code dnsflow.drops}, by reason) — exactly, which tests check.
 */
public final class ProxyMetrics {
    private final MeterRegistry registry;
    private final Counter[] queries = new Counter[Transport.values().length];
    private final Counter[] malformed = new Counter[Transport.values().length];
    private final AtomicReferenceArray<Counter> responses =
            new AtomicReferenceArray<>(Outcome.values().length * 16);
    private final Map<String, Counter> drops = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> flowDrops = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Transport t : Transport.values()) {
            queries[t.ordinal()] = Counter.builder("dnsflow.queries").tag("transport", t.json())
                    .description("Client queries received").register(registry);
            malformed[t.ordinal()] = Counter.builder("dnsflow.malformed").tag("transport", t.json())
                    .description("Client messages that could not be parsed").register(registry);
        }
    }

    public static ProxyMetrics standalone() {
        return new ProxyMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void query(Transport transport) {
        queries[transport.ordinal()].increment();
    }

    public void malformed(Transport transport) {
        malformed[transport.ordinal()].increment();
    }

    public void response(Outcome outcome, int rcode) {
        int slot = outcome.ordinal() * 16 + (rcode & 0xF);
        Counter c = responses.get(slot);
        if (c == null) {
            c = Counter.builder("dnsflow.responses").tag("outcome", outcome.json())
                    .tag("rcode", org.xbill.DNS.Rcode.string(rcode & 0xF))
                    .description("Responses sent to clients").register(registry);
            responses.set(slot, c);
        }
        c.increment();
    }

    /** A query that got no answer at all; {@code reason} is one of a fixed set of constants. */
    public void drop(String reason) {
        counter(drops, "dnsflow.drops", "reason", reason, "Client queries dropped without an answer").increment();
    }

    public void refused(String reason) {
        counter(refused, "dnsflow.refused", "reason", reason, "Client queries refused").increment();
    }

    public void flowDropped(String sink) {
        counter(flowDrops, "dnsflow.flows.dropped", "sink", sink, "Flows a sink could not keep up with").increment();
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
}
