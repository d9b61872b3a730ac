package dev.dnsflow.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;

/**
 * The two parts of the cache (success, denial), each a Caffeine cache bounded by bytes (W-TinyLFU eviction)
 * whose entries live until expiry plus the serve-stale window. Maintenance runs on the calling
 * thread ({@code executor(Runnable::run)}): no background thread, and tests see evictions at once after
 * {@link #cleanUp}. Time comes from one ticker (nanoseconds), shared with Caffeine, so a test moves both.
 */
public final class ResponseCache {
    /**
     * The most one part holds: 32 MiB of entries, each weighed as its stored bytes plus its overhead
     * ({@link CachedAnswer#weight}) but at least this budget over the part's capacity, so a part never holds more
     * than its capacity in entries either. The default 9984 typical answers (≈ 500 bytes each with overhead) all
     * fit; answers of up to {@link CachedAnswer#MAX_MESSAGE} bytes fill it at about 7 400.
     */
    public static final long PART_BYTES = 32L << 20;

    private final CacheOptions options;
    private final Cache<CacheKey, CachedAnswer> success;
    private final Cache<CacheKey, CachedAnswer> denial;
    private final long staleNanos;
    private volatile LongSupplier ticker;

    public ResponseCache(CacheOptions options, CacheMetrics metrics, LongSupplier ticker) {
        this.options = options;
        this.ticker = ticker;
        this.staleNanos = options.serveStale().toNanos();
        this.success = part(options.success(), metrics);
        this.denial = part(options.denial(), metrics);
        if (metrics != null) {
            metrics.entries(this);
        }
    }

    private Cache<CacheKey, CachedAnswer> part(CacheOptions.Part part, CacheMetrics metrics) {
        int least = (int) Math.max(1, PART_BYTES / part.capacity());
        return Caffeine.newBuilder()
                .maximumWeight((long) least * part.capacity())
                .weigher((CacheKey k, CachedAnswer v) -> Math.max(least, v.weight() + k.nameLength()))
                .executor(Runnable::run)
                .ticker(this::now)
                .expireAfter(new Expiry<CacheKey, CachedAnswer>() {
                    @Override
                    public long expireAfterCreate(CacheKey key, CachedAnswer value, long currentTime) {
                        return lifetime(value, currentTime);
                    }

                    @Override
                    public long expireAfterUpdate(CacheKey key, CachedAnswer value, long currentTime, long currentDuration) {
                        return lifetime(value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(CacheKey key, CachedAnswer value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .evictionListener((CacheKey k, CachedAnswer v, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE && metrics != null) {
                        metrics.evicted();
                    }
                })
                // Every way out (evicted, expired, replaced, invalidated), on the calling thread: a FrontIndex
                // holding the entry finds it retired on its next read.
                .removalListener((CacheKey k, CachedAnswer v, RemovalCause cause) -> {
                    if (v != null) {
                        v.retire();
                    }
                })
                .build();
    }

    private long lifetime(CachedAnswer value, long now) {
        return Math.max(0, value.expiresNanos() - now) + staleNanos;
    }

    public CacheOptions options() {
        return options;
    }

    /** Now, by the cache's ticker. */
    public long now() {
        return ticker.getAsLong();
    }

    /** Tests move time by hand. */
    void ticker(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** The entry for {@code key}: fresh, or expired but within the serve-stale window; null when there is none. */
    public CachedAnswer get(CacheKey key) {
        CachedAnswer a = success.getIfPresent(key);
        return a != null ? a : denial.getIfPresent(key);
    }

    /**
     * {@link #get}, but without recording an access: Caffeine's frequency sketch and access order do not see it
     * ({@link FrontIndex} reads so on the hits it does not sample).
     */
    CachedAnswer getQuietly(CacheKey key) {
        CachedAnswer a = success.policy().getIfPresentQuietly(key);
        return a != null ? a : denial.policy().getIfPresentQuietly(key);
    }

    /**
     * Stores the upstream's {@code response} for {@code key} when it is cacheable (see {@link CachedAnswer}),
     * replacing whatever the key had in either part; returns the new entry, or null when nothing was stored.
     */
    public CachedAnswer store(CacheKey key, ByteBuf response) {
        CacheKey stored = key.copy();
        CachedAnswer entry = CachedAnswer.of(stored, response, now(), options);
        if (entry == null) {
            return null;
        }
        CachedAnswer previous = get(key);
        if (previous != null) {
            entry.inherit(previous);
        }
        if (entry.kind() == CachedAnswer.Kind.SUCCESS) {
            denial.invalidate(stored);
            success.put(stored, entry);
        } else {
            success.invalidate(stored);
            denial.put(stored, entry);
        }
        return entry;
    }

    /** Entries held in one part (expired ones included until they are cleaned up). */
    public long size(CachedAnswer.Kind kind) {
        return (kind == CachedAnswer.Kind.SUCCESS ? success : denial).estimatedSize();
    }

    /** The heap one part's entries take by {@link CachedAnswer#weight} (key names included), expired ones too. */
    long bytes(CachedAnswer.Kind kind) {
        long total = 0;
        for (var e : (kind == CachedAnswer.Kind.SUCCESS ? success : denial).asMap().entrySet()) {
            total += e.getValue().weight() + e.getKey().nameLength();
        }
        return total;
    }

    /** Runs pending maintenance: expiry and eviction (they otherwise happen as reads and writes go by). */
    public void cleanUp() {
        success.cleanUp();
        denial.cleanUp();
    }
}
