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
import java.util.List;

/**
 * On the way in: a fresh entry answers the query (client's ID, the question's case, TTLs less the time in
 * cache, RD/AD and OPT for this client); when it is due for prefetch, a detached copy of the query also goes
 * upstream in the background to refresh it (nobody waits for it; it is a flow of its own, cache result
 * {@code refresh} with the upstream attempts, beside the client's {@code prefetch} flow answered from the entry). On
 * the way back: a storable answer is
 * stored; a refresh whose answer is not storable (a failure, REFUSED, FORMERR, TC…) leaves the entry as it
 * was. A
 * failure (every attempt failed, or the upstream's SERVFAIL) is answered from an entry stored meanwhile by
 * another query (a hit), or from one within the serve-stale window (stale). A query with ECS as forwarded, or
 * without a plain question, passes by untouched and its answer is never stored.
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
    /** One front to the cache per event loop, for fresh hits. */
    private final FrontIndex[] fronts;

    CacheStage(ResponseCache cache, CacheMetrics metrics, List<LoopContext> loops) {
        this.cache = cache;
        this.metrics = metrics;
        this.prefetch = cache.options().prefetch();
        this.prefetchWindowNanos = prefetch == null ? 0 : prefetch.window().toNanos();
        this.staleNanos = cache.options().serveStale().toNanos();
        this.probes = new CacheKey[loops.size()];
        this.fronts = new FrontIndex[loops.size()];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = CacheKey.probe();
            fronts[i] = new FrontIndex(cache);
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
        CachedAnswer entry = fronts[exchange.loop().index()].get(key, now);
        if (entry != null && entry.fresh(now)) {
            int left = entry.ttlLeft(now);
            if (prefetch != null) {
                entry.touch(now, prefetchWindowNanos);
                if (entry.due(now, prefetch) && !entry.refreshing()) {
                    refresh(exchange, entry, left, next);
                    return;
                }
            }
            serveHit(exchange, entry, left, CacheMark.Result.HIT);
            return;
        }
        metrics.miss();
        if (exchange.loop().recording()) {
            exchange.facts().extend(CacheMark.KEY, CacheMark.MISS);
        }
        next.serve(exchange);
    }

    /**
     * Answers {@code exchange} from the entry at once and refreshes the entry in the background: a detached copy of
     * the query goes through the rest of the chain, and its answer replaces the entry only if it is storable
     * ({@link #answer}); nobody waits for it. One refresh per entry at a time; a refresh that ends without an
     * answer (dropped) releases its claim.
     */
    private void refresh(Exchange exchange, CachedAnswer entry, int left, Next next) {
        Exchange refresh = exchange.detachedCopy();
        if (!entry.claimPrefetch(refresh)) {
            refresh.drop("cache_refresh_raced");
            serveHit(exchange, entry, left, CacheMark.Result.HIT);
            return;
        }
        refresh.whenDone(() -> entry.endPrefetch(refresh));
        if (refresh.loop().recording()) { // the refresh's own flow: the one with the upstream attempts
            refresh.facts().extend(CacheMark.KEY, new CacheMark(CacheMark.Result.REFRESH, left));
        }
        metrics.prefetched();
        serveHit(exchange, entry, left, CacheMark.Result.PREFETCH);
        try {
            next.serve(refresh);
        } catch (RuntimeException e) {
            refresh.dropRecorded("cache_refresh_failed", Outcome.SERVFAIL); // its flow says the refresh failed
        }
    }

    private void serveHit(Exchange exchange, CachedAnswer entry, int left, CacheMark.Result result) {
        metrics.hit(entry.kind());
        exchange.respond(answerFrom(exchange, entry, result, left), Outcome.ANSWERED);
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
        if (exchange.detached()) {
            // A background refresh: only a storable answer replaces the entry; with anything else the entry holds.
            // Its answer goes back to no client, as it came: no hit or stale answer is made for it, whether the
            // entry it claimed is still there or was replaced or evicted meanwhile (its claim ends with it).
            if (!failed && outcome == Outcome.ANSWERED) {
                cache.store(key, response);
            }
            back.answer(exchange, response, outcome);
            return;
        }
        CachedAnswer entry = cache.get(key);
        long now = cache.now();
        if (failed && entry != null) {
            if (entry.fresh(now)) { // stored by another query while this one was upstream: a hit after all
                int left = entry.ttlLeft(now);
                metrics.hit(entry.kind());
                response.release();
                back.answer(exchange, answerFrom(exchange, entry, CacheMark.Result.HIT, left), Outcome.ANSWERED);
                return;
            }
            if (entry.servableStale(now, staleNanos)) {
                int ttl = Math.min(CacheOptions.STALE_ANSWER_TTL, (entry.kind() == CachedAnswer.Kind.SUCCESS
                        ? cache.options().success() : cache.options().denial()).ttlCap());
                metrics.servedStale();
                response.release();
                back.answer(exchange, answerFrom(exchange, entry, CacheMark.Result.STALE, ttl), Outcome.ANSWERED);
                return;
            }
        }
        if (outcome == Outcome.ANSWERED) {
            cache.store(key, response);
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

    /**
     * The entry's answer for the exchange's client, every TTL {@code ttl}; when the flow is recorded, marked
     * {@code result} and with the entry's addresses (and name, for a name asked in lower case), so the flow's
     * summary and query need no parse of the answer or the query.
     */
    private ByteBuf answerFrom(Exchange exchange, CachedAnswer entry, CacheMark.Result result, int ttl) {
        ByteBuf answer = entry.write(exchange.alloc(), exchange.query(), exchange.parsed(), ttl);
        if (exchange.loop().recording()) {
            exchange.facts().extend(CacheMark.KEY, new CacheMark(result, ttl));
            exchange.facts().knownAddresses(answer, entry.addresses());
            if (!probes[exchange.loop().index()].folded()) { // the probe still holds this query's name
                exchange.knownName(entry.nameText());
            }
        }
        return answer;
    }
}
