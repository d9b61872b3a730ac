package dev.dnsflow.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The cache's meters, like CoreDNS's {@code coredns_cache_*}, all registered at 0 when the cache is on:
 * {@code dnsflow_cache_hits_total{kind=success|denial}}, {@code dnsflow_cache_misses_total},
 * {@code dnsflow_cache_entries{kind}}, {@code dnsflow_cache_evictions_total} (capacity evictions, not expiry),
 * {@code dnsflow_cache_prefetch_total}, {@code dnsflow_cache_stale_total}.
 */
public final class CacheMetrics {
    private final MeterRegistry registry;
    private final Counter hitsSuccess;
    private final Counter hitsDenial;
    private final Counter misses;
    private final Counter evictions;
    private final Counter prefetches;
    private final Counter stale;

    public CacheMetrics(MeterRegistry registry) {
        this.registry = registry;
        hitsSuccess = hits(CachedAnswer.Kind.SUCCESS);
        hitsDenial = hits(CachedAnswer.Kind.DENIAL);
        misses = Counter.builder("dnsflow.cache.misses").description("Queries the cache could not answer (asked upstream)")
                .register(registry);
        evictions = Counter.builder("dnsflow.cache.evictions").description("Entries evicted to stay within capacity")
                .register(registry);
        prefetches = Counter.builder("dnsflow.cache.prefetch")
                .description("Queries sent upstream to refresh a popular entry near expiry").register(registry);
        stale = Counter.builder("dnsflow.cache.stale")
                .description("Answers served from an expired entry because every upstream attempt failed").register(registry);
    }

    private Counter hits(CachedAnswer.Kind kind) {
        return Counter.builder("dnsflow.cache.hits").tag("kind", kind.label())
                .description("Queries answered from cache, by part").register(registry);
    }

    void entries(ResponseCache cache) {
        for (CachedAnswer.Kind kind : CachedAnswer.Kind.values()) {
            Gauge.builder("dnsflow.cache.entries", cache, c -> c.size(kind)).tag("kind", kind.label())
                    .description("Entries in the cache, by part").register(registry);
        }
    }

    void hit(CachedAnswer.Kind kind) {
        (kind == CachedAnswer.Kind.SUCCESS ? hitsSuccess : hitsDenial).increment();
    }

    void miss() {
        misses.increment();
    }

    void evicted() {
        evictions.increment();
    }

    void prefetched() {
        prefetches.increment();
    }

    void servedStale() {
        stale.increment();
    }
}
