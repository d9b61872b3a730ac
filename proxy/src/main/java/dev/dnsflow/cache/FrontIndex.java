package dev.dnsflow.cache;

/**
 * One event loop's way to fresh hits: a small direct-mapped table of the entries the loop found lately, read before
 * the {@link ResponseCache}. Caffeine still holds every entry and alone decides what stays (W-TinyLFU): a slot only
 * points at an entry Caffeine holds, and an entry Caffeine lets go is {@linkplain CachedAnswer#retire retired}, so
 * the slot no longer answers. One lookup in {@link #SAMPLE}, drawn at random, reads through Caffeine as a real read,
 * so its frequency sketch and access order go on seeing which names are popular; the others are answered from the
 * front, or when the front cannot (a colliding slot, a heavy entry, the first lookup after a store) read Caffeine
 * quietly (no access recorded), so every name's hits are sampled alike, in proportion, wherever they are served
 * from. What the front saves is Caffeine's read bookkeeping on the others, the larger part of a hit's lookup
 * (CacheHitBenchmark). Not thread-safe: one per loop.
 */
public final class FrontIndex {
    static final int SLOTS = 4096;
    /**
     * The heaviest entry a slot takes ({@link CachedAnswer#weight}): a slot may hold an entry Caffeine has let go
     * until the slot is read again, so the front keeps at most {@code SLOTS * MAX_WEIGHT} (4 MiB) per loop beyond
     * the cache's byte budget. Typical answers (a few records) weigh about 500.
     */
    static final int MAX_WEIGHT = 1024;
    /** One front hit in this many (a power of two) still reads through Caffeine. */
    static final int SAMPLE = 8;

    private final ResponseCache cache;
    private final CachedAnswer[] slots = new CachedAnswer[SLOTS];
    /** Picks the front hits that still go through Caffeine: at random, so no name's hits fall in step with it. */
    private int random = 0x9E3779B9;

    public FrontIndex(ResponseCache cache) {
        this.cache = cache;
    }

    /**
     * The entry for {@code probe} as {@link ResponseCache#get} has it, except that an entry the front holds is only
     * given while fresh at {@code now}; a stale one (serve-stale) comes from the cache itself.
     */
    public CachedAnswer get(CacheKey probe, long now) {
        int h = probe.hashCode();
        int slot = (h ^ h >>> 16) & (SLOTS - 1);
        int r = random;
        r ^= r << 13;
        r ^= r >>> 17;
        r ^= r << 5; // xorshift
        random = r;
        boolean sampled = (r & (SAMPLE - 1)) == 0;
        CachedAnswer e = slots[slot];
        boolean usable = e != null && !e.retired() && e.fresh(now);
        if (!sampled && usable && e.key().equals(probe)) {
            return e;
        }
        // Whether or not the front had it, only a sampled lookup counts as a read for Caffeine: a hit the front
        // cannot give (a colliding slot, a heavy entry, the first hit after a store, another loop's) weighs the
        // same as one it gives, so W-TinyLFU sees every name's hits in proportion.
        CachedAnswer found = sampled ? cache.get(probe) : cache.getQuietly(probe);
        if (found != null && found.weight() <= MAX_WEIGHT) {
            slots[slot] = found;
        } else if (e != null && !usable) {
            slots[slot] = null; // nothing replaces an entry Caffeine let go or past its TTL: let it be collected
        }
        return found;
    }

    /** Whether a slot holds {@code entry} (tests). */
    boolean holds(CachedAnswer entry) {
        for (CachedAnswer e : slots) {
            if (e == entry) {
                return true;
            }
        }
        return false;
    }
}
