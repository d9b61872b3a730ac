package dev.dnsflow.names;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --metrics-name-label}: {@code dnsflow_queries_by_name_total{name}}, opt-in because query
 * names are unbounded. The first {@code cap} distinct names get their own series, every later one
 * counts under {@code name="other"}. Runs on the recorder thread, so the event loops pay nothing.
 */
public final class NameMetrics implements FlowSink {
    public static final String OTHER = "other";

    private final MeterRegistry registry;
    private final int cap;
    private final Map<String, Counter> counters = new HashMap<>();
    private final Counter other;

    public NameMetrics(MeterRegistry registry, int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("--metrics-name-label cap must be at least 1");
        }
        this.registry = registry;
        this.cap = cap;
        this.other = counter(OTHER);
    }

    @Override
    public String name() {
        return "name-metrics";
    }

    /** Counting in memory never blocks: called on the recorder thread. */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void accept(Flow flow) {
        if (CacheMark.background(flow)) {
            return; // the cache's own refresh, not a client query: the client's prefetch flow counted the name
        }
        String name = flow.query().name() == null ? OTHER : flow.query().name().toLowerCase(Locale.ROOT);
        Counter c = counters.get(name);
        if (c == null) {
            c = counters.size() < cap ? counters.computeIfAbsent(name, this::counter) : other;
        }
        c.increment();
    }

    private Counter counter(String name) {
        return Counter.builder("dnsflow.queries.by.name").tag("name", name)
                .description("Client queries by name (opt-in, capped; the rest count as name=\"other\")").register(registry);
    }
}
