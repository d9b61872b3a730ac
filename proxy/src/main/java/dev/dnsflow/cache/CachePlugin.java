package dev.dnsflow.cache;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.time.Duration;
import java.util.List;

/**
 * {@code cache}: answers from memory, with CoreDNS {@code cache} semantics (see the package doc). Off unless
 * {@value #FLAG} is given: {@code proxy} and {@code sidecar} sit behind CoreDNS's own cache; {@code nodelocal}
 * turns it on by default.
 */
public final class CachePlugin implements Plugin {
    /** The switch, for front ends that turn the cache on by default ({@code dnsflow nodelocal}). */
    public static final String FLAG = "--cache";

    public static final Flag<Boolean> CACHE = Flag.onOff(FLAG,
            "Answer from a cache with CoreDNS cache semantics (TTL caps, negative caching by SOA, SERVFAIL for 5s; "
                    + "never TC or ECS answers). Off: CoreDNS in front caches already.");
    public static final Flag<CacheOptions.Part> SUCCESS = Flag.of("--cache-success", "CAP:TTL",
            "Successful answers: at most CAP entries, each kept at most TTL (at least 5s). Default: 9984:30s.",
            "9984:30s", CacheOptions.Part::parse);
    public static final Flag<CacheOptions.Part> DENIAL = Flag.of("--cache-denial", "CAP:TTL",
            "NXDOMAIN, NODATA and SERVFAIL: at most CAP entries, each kept at most TTL (at least 5s; SERVFAIL 5s). "
                    + "Default: 9984:5s.", "9984:5s", CacheOptions.Part::parse);
    public static final Flag<CacheOptions.Prefetch> PREFETCH = Flag.optionalValue("--cache-prefetch",
            "AMOUNT:DURATION:PERCENT",
            "Refresh an entry asked AMOUNT times with no gap of DURATION once its TTL left is at most PERCENT "
                    + "per cent of its TTL (CoreDNS prefetch; the query that finds it due goes upstream). Given alone: "
                    + "AMOUNT 10, DURATION 1m, PERCENT 10. Default: off.", "off", CacheOptions.Prefetch.BARE, CacheOptions.Prefetch::parse);
    public static final Flag<Duration> SERVE_STALE = Flag.of("--serve-stale", "DURATION",
            "When every upstream attempt fails, answer from an entry expired at most DURATION ago, with TTL 30s "
                    + "at most (RFC 8767). Default: off.", "off", CacheOptions::parseServeStale);

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public List<Flag<?>> flags() {
        return List.of(CACHE, SUCCESS, DENIAL, PREFETCH, SERVE_STALE);
    }

    @Override
    public void setup(Plan plan) {
        CacheOptions options = new CacheOptions(plan.flags().get(SUCCESS), plan.flags().get(DENIAL),
                plan.flags().get(PREFETCH), plan.flags().get(SERVE_STALE));
        if (!plan.flags().get(CACHE)) {
            return;
        }
        CacheMetrics metrics = new CacheMetrics(plan.metrics().registry());
        ResponseCache cache = new ResponseCache(options, metrics, System::nanoTime);
        plan.share(ResponseCache.class, cache);
        plan.stage(new CacheStage(cache, metrics, plan.loops()));
    }
}
