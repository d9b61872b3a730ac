package dev.dnsflow.forward;

import dev.dnsflow.flow.Transport;
import dev.dnsflow.metrics.LatencyHistogram;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.Rcode;

/** Per-upstream counters ({@code dnsflow_upstream_*}), created once per upstream. */
public final class UpstreamMetrics {
    /** Builds the metrics of an upstream against one registry. */
    public interface Factory {
        UpstreamMetrics create(Upstream upstream);

        static Factory of(MeterRegistry registry) {
            LatencyHistogram.Family rtt = new LatencyHistogram.Family(registry,
                    "dnsflow_upstream_rtt_seconds", "upstream", "Time from attempt sent to valid answer");
            return upstream -> new UpstreamMetrics(registry, rtt, upstream);
        }
    }

    private final MeterRegistry registry;
    private final String label;
    private final Counter[] requests = new Counter[Transport.values().length];
    private final AtomicReferenceArray<Counter> responses = new AtomicReferenceArray<>(16);
    private final Counter timeouts;
    private final LatencyHistogram rtt;
    private final Map<String, Counter> noncompliant = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final LongAdder inflight = new LongAdder();

    UpstreamMetrics(MeterRegistry registry, LatencyHistogram.Family rtts, Upstream upstream) {
        this.registry = registry;
        this.label = upstream.label();
        for (Transport t : Transport.values()) {
            requests[t.ordinal()] = Counter.builder("dnsflow.upstream.requests").tag("upstream", label)
                    .tag("transport", t.json()).description("Attempts sent upstream").register(registry);
        }
        timeouts = Counter.builder("dnsflow.upstream.timeouts").tag("upstream", label)
                .description("Attempts that got no valid answer in time").register(registry);
        rtt = rtts.with(label);
        Gauge.builder("dnsflow.upstream.healthy", upstream, u -> u.isHealthy() ? 1 : 0).tag("upstream", label)
                .description("1 while the upstream is considered up").register(registry);
        Gauge.builder("dnsflow.upstream.inflight", inflight, LongAdder::sum).tag("upstream", label)
                .description("Attempts waiting for an answer").register(registry);
    }

    void request(Transport transport) {
        requests[transport.ordinal()].increment();
        inflight.increment();
    }

    void settled() {
        inflight.decrement();
    }

    void answeredAfter(long nanos) {
        rtt.record(nanos);
    }

    void response(int rcode) {
        Counter c = responses.get(rcode & 0xF);
        if (c == null) {
            c = Counter.builder("dnsflow.upstream.responses").tag("upstream", label)
                    .tag("rcode", Rcode.string(rcode & 0xF))
                    .description("Valid answers from the upstream").register(registry);
            responses.set(rcode & 0xF, c);
        }
        c.increment();
    }

    void timeout() {
        timeouts.increment();
    }

    /** A reply that was not accepted: wrong source, unknown ID, not a response, other question. */
    void noncompliant(String reason) {
        count(noncompliant, "dnsflow.upstream.noncompliant", reason, "Upstream replies rejected").increment();
    }

    /** An attempt that could not be made or whose connection failed. */
    void error(String reason) {
        count(errors, "dnsflow.upstream.errors", reason, "Attempts that failed without a timeout").increment();
    }

    private Counter count(Map<String, Counter> cache, String name, String reason, String help) {
        Counter c = cache.get(reason);
        if (c == null) {
            c = cache.computeIfAbsent(reason, r -> Counter.builder(name).tag("upstream", label).tag("reason", r)
                    .description(help).register(registry));
        }
        return c;
    }
}
