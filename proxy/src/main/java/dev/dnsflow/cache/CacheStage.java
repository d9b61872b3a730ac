package dev.dnsflow.cache;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.OptView;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * On the way in: a fresh entry answers the query (client's ID, the question's case, TTLs less the time in
 * cache), unless it is due for prefetch, when the query goes upstream to refresh it. On the way back: a good
 * answer is stored; a failure (every attempt failed, or the upstream's SERVFAIL) is replaced by the entry when
 * it is still fresh (a prefetch that failed) or within the serve-stale window. A query with ECS as forwarded,
 * or without a plain question, passes by untouched and its answer is never stored.
 */
final class CacheStage implements Stage {
    private static final int ECS = 8;

    private final ResponseCache cache;
    private final CacheMetrics metrics;
    private final CacheOptions.Prefetch prefetch;
    private final long prefetchWindowNanos;
    private final long staleNanos;
    /** One probe key per event loop: a lookup allocates nothing. */
    private final CacheKey[] probes;

    CacheStage(ResponseCache cache, CacheMetrics metrics, List<LoopContext> loops) {
        this.cache = cache;
        this.metrics = metrics;
        this.prefetch = cache.options().prefetch();
        this.prefetchWindowNanos = prefetch == null ? 0 : prefetch.window().toNanos();
        this.staleNanos = cache.options().serveStale().toNanos();
        this.probes = new CacheKey[loops.size()];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = CacheKey.probe();
        }
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        CacheKey key = key(exchange);
        if (key == null) {
            next.serve(exchange);
            return;
        }
        long now = cache.now();
        CachedAnswer entry = cache.get(key);
        if (entry != null && entry.fresh(now)) {
            int left = entry.ttlLeft(now);
            if (prefetch != null) {
                entry.touch(now, prefetchWindowNanos);
                if (entry.due(now, prefetch) && entry.claimPrefetch()) {
                    metrics.prefetched();
                    mark(exchange, CacheMark.Result.PREFETCH, left);
                    next.serve(exchange);
                    return;
                }
            }
            metrics.hit(entry.kind());
            mark(exchange, CacheMark.Result.HIT, left);
            exchange.respond(entry.write(ByteBufAllocator.DEFAULT, exchange.query(), exchange.parsed().id(), left),
                    Outcome.ANSWERED);
            return;
        }
        metrics.miss();
        if (exchange.loop().recording()) {
            exchange.extend(CacheMark.KEY, CacheMark.MISS);
        }
        next.serve(exchange);
    }

    @Override
    public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
        CacheKey key = key(exchange);
        if (key == null) {
            back.answer(exchange, response, outcome);
            return;
        }
        boolean failed = outcome == Outcome.SERVFAIL
                || outcome == Outcome.ANSWERED && DnsHeader.rcode(response) == Responses.SERVFAIL;
        if (failed) {
            CachedAnswer entry = cache.get(key);
            if (entry != null) {
                entry.endPrefetch();
                long now = cache.now();
                if (entry.fresh(now)) { // a refresh that failed: the entry still holds
                    response.release();
                    back.answer(exchange, entry.write(ByteBufAllocator.DEFAULT, exchange.query(), exchange.parsed().id(),
                            entry.ttlLeft(now)), Outcome.ANSWERED);
                    return;
                }
                if (entry.servableStale(now, staleNanos)) {
                    int ttl = Math.min(CacheOptions.STALE_ANSWER_TTL, (entry.kind() == CachedAnswer.Kind.SUCCESS
                            ? cache.options().success() : cache.options().denial()).ttlCap());
                    metrics.servedStale();
                    mark(exchange, CacheMark.Result.STALE, ttl);
                    response.release();
                    back.answer(exchange, entry.write(ByteBufAllocator.DEFAULT, exchange.query(), exchange.parsed().id(), ttl),
                            Outcome.ANSWERED);
                    return;
                }
            }
        }
        if (outcome == Outcome.ANSWERED) {
            if (cache.store(key, response) == null) {
                CachedAnswer entry = cache.get(key);
                if (entry != null) {
                    entry.endPrefetch();
                }
            }
        }
        back.answer(exchange, response, outcome);
    }

    /** This loop's probe filled from the exchange, or null when its answer is not for the cache. */
    private CacheKey key(Exchange exchange) {
        CacheKey probe = probes[exchange.loop().index()];
        return probe.set(exchange.query(), exchange.parsed()) && !hasEcs(exchange) ? probe : null;
    }

    /** Whether the query as forwarded (after the context stage) carries ECS: its answer may be for that subnet only. */
    private static boolean hasEcs(Exchange exchange) {
        OptView opt = exchange.forwardedOpt();
        if (!opt.edns() || opt.optRdLength() == 0) {
            return false;
        }
        ByteBuf q = exchange.query();
        int pos = q.readerIndex() + opt.optRdata();
        int end = Math.min(pos + opt.optRdLength(), q.writerIndex());
        while (pos + 4 <= end) {
            if (q.getUnsignedShort(pos) == ECS) {
                return true;
            }
            pos += 4 + q.getUnsignedShort(pos + 2);
        }
        return false;
    }

    private static void mark(Exchange exchange, CacheMark.Result result, int ttlLeft) {
        if (exchange.loop().recording()) {
            exchange.extend(CacheMark.KEY, new CacheMark(result, ttlLeft));
        }
    }
}
