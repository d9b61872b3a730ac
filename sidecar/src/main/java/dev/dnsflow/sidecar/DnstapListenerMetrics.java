package dev.dnsflow.sidecar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the dnstap listener did with producer connections: {@code dnsflow_dnstap_in_connections} (open
 * now) and {@code dnsflow_dnstap_in_connections_rejected_total{reason}}. Each rejection is also logged as a
 * WARNING, at most once a minute per reason: a flood of rejected connections must not flood the log too,
 * but an operator who never scrapes metrics should still learn that CoreDNS's dnstap is being turned away.
 */
final class DnstapListenerMetrics {
    private static final Logger LOG = Logger.getLogger(FrameStreamsReceiver.class.getName());
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<ProducerRejection, Counter> rejected = new EnumMap<>(ProducerRejection.class);
    private final Map<ProducerRejection, AtomicLong> nextWarn = new EnumMap<>(ProducerRejection.class);

    DnstapListenerMetrics(MeterRegistry registry, IntSupplier open) {
        // Every reason registered up front, so a rate() over them works before the first rejection.
        for (ProducerRejection reason : ProducerRejection.values()) {
            rejected.put(reason, Counter.builder("dnsflow.dnstap.in.connections.rejected").tag("reason", reason.label())
                    .description("dnstap producer connections the sidecar closed: over the limit, no handshake in time, "
                            + "an oversized frame, or not Frame Streams for dnstap")
                    .register(registry));
            nextWarn.put(reason, new AtomicLong(System.nanoTime()));
        }
        Gauge.builder("dnsflow.dnstap.in.connections", open::getAsInt).strongReference(true)
                .description("dnstap producer connections open now").register(registry);
    }

    /** Counts a closed connection; {@code detail} says which and why, for the log. */
    void rejected(ProducerRejection reason, String detail) {
        rejected.get(reason).increment();
        long now = System.nanoTime();
        AtomicLong next = nextWarn.get(reason);
        long due = next.get();
        if (now - due >= 0 && next.compareAndSet(due, now + WARN_EVERY_NANOS)) {
            LOG.log(Level.WARNING, "dnstap listener closed a producer connection " + detail
                    + " (counted in dnsflow_dnstap_in_connections_rejected_total{reason=\"" + reason.label()
                    + "\"}; logged at most once a minute)");
        }
    }
}
