package dev.dnsflow.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;

/**
 * The two parts of the cache (success, denial), each a Caffeine cache bounded by its capacity (W-TinyLFU
 * eviction) whose entries live until expiry plus the serve-stale window. Maintenance runs on the calling
 * thread ({@code executor(Runnable::run)}): no background thread, and tests see evictions at once after
 * {@link #cleanUp}. Time comes from one ticker (nanoseconds), shared with Caffeine, so a test moves both.
 */
public final class ResponseCache {
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
        return Caffeine.newBuilder()
                .maximumSize(part.capacity())
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
     * Stores the upstream's {@code response} for {@code key} when it is cacheable (see {@link CachedAnswer}),
     * replacing whatever the key had in either part; returns the new entry, or null when nothing was stored.
     */
    public CachedAnswer store(CacheKey key, ByteBuf response) {
        CachedAnswer entry = CachedAnswer.of(key, response, now(), options);
        if (entry == null) {
            return null;
        }
        CachedAnswer previous = get(key);
        if (previous != null) {
            entry.inherit(previous);
        }
        CacheKey stored = key.copy();
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

    /** Runs pending maintenance: expiry and eviction (they otherwise happen as reads and writes go by). */
    public void cleanUp() {
        success.cleanUp();
        denial.cleanUp();
    }
}
