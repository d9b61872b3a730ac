package dev.dnsflow.cache;

import dev.dnsflow.util.Durations;
import java.time.Duration;

/**
 * The cache's settings, checked (CoreDNS's {@code cache} block): each part's capacity and TTL cap, prefetch,
 * serve-stale. Parsing opens nothing, so every good and bad value is tested alone.
 *
 * @param serveStale how long past expiry an entry may still answer when every upstream attempt fails; zero: never
 */
public record CacheOptions(Part success, Part denial, Prefetch prefetch, Duration serveStale) {
    /** No entry is kept for less (CoreDNS's {@code minttl} default), unless its part's cap is lower. */
    public static final int MIN_TTL = 5;
    /** How long a SERVFAIL is kept (CoreDNS's {@code servfail} default). */
    public static final int SERVFAIL_TTL = 5;
    /** The TTL of an answer served stale (RFC 8767 4: 30 s recommended), at most its part's cap. */
    public static final int STALE_ANSWER_TTL = 30;
    private static final int MAX_CAPACITY = 10_000_000;

    public CacheOptions {
        if (success == null || denial == null || serveStale == null || serveStale.isNegative()) {
            throw new IllegalArgumentException("cache options incomplete");
        }
    }

    /** NodeLocal DNSCache's values: success 9984 entries for 30 s, denial 9984 for 5 s, no prefetch, no serve-stale. */
    public static CacheOptions defaults() {
        return new CacheOptions(Part.parse("9984:30s"), Part.parse("9984:5s"), null, Duration.ZERO);
    }

    public CacheOptions withPrefetch(Prefetch p) {
        return new CacheOptions(success, denial, p, serveStale);
    }

    public CacheOptions withServeStale(Duration d) {
        return new CacheOptions(success, denial, prefetch, d);
    }

    public CacheOptions withParts(Part s, Part d) {
        return new CacheOptions(s, d, prefetch, serveStale);
    }

    /**
     * One part of the cache (success or denial): how many entries, and the longest TTL in seconds any of them
     * keeps, whatever the upstream said. {@code CAP:TTL}, e.g. {@code 9984:30s}.
     */
    public record Part(int capacity, int ttlCap) {
        public Part {
            if (capacity < 1 || capacity > MAX_CAPACITY) {
                throw new IllegalArgumentException("capacity must be from 1 to " + MAX_CAPACITY + ": " + capacity);
            }
            if (ttlCap < 1) {
                throw new IllegalArgumentException("the TTL cap must be at least 1s");
            }
        }

        public static Part parse(String text) {
            String t = text == null ? "" : text.trim();
            int colon = t.indexOf(':');
            if (colon <= 0 || colon == t.length() - 1) {
                throw new IllegalArgumentException("'" + text + "' is not CAP:TTL (e.g. 9984:30s)");
            }
            int capacity;
            try {
                capacity = Integer.parseInt(t.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + t.substring(0, colon) + "' is not a number of entries (CAP:TTL, e.g. 9984:30s)");
            }
            Duration ttl = Durations.parse(t.substring(colon + 1));
            if (ttl.getSeconds() < 1 || ttl.getSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the TTL cap must be from 1s to 68 years: " + t.substring(colon + 1));
            }
            return new Part(capacity, (int) ttl.getSeconds());
        }

        /** The shortest an entry of this part is kept: {@link #MIN_TTL}, or the cap when that is lower. */
        int minTtl() {
            return Math.min(MIN_TTL, ttlCap);
        }

        /** {@code ttl} between this part's minimum and its cap. */
        int clamp(long ttl) {
            return (int) Math.max(minTtl(), Math.min(ttlCap, ttl));
        }

        @Override
        public String toString() {
            return capacity + ":" + ttlCap + "s";
        }
    }

    /**
     * CoreDNS's {@code prefetch AMOUNT DURATION PERCENTAGE%}: an entry asked {@code amount} times with no gap of
     * {@code window} or more between them is popular; when its TTL left falls to {@code percent} % of its TTL (at
     * the latest in its last second), the next query for it goes upstream to refresh it.
     */
    public record Prefetch(int amount, Duration window, int percent) {
        /** What {@code --cache-prefetch} alone means: CoreDNS's DURATION and PERCENTAGE defaults, with AMOUNT 10. */
        public static final String BARE = "10:1m:10%";

        public Prefetch {
            if (amount < 1) {
                throw new IllegalArgumentException("AMOUNT must be at least 1: " + amount);
            }
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("DURATION must be more than 0");
            }
            if (percent < 10 || percent > 90) {
                throw new IllegalArgumentException("PERCENT must be from 10% to 90% (as in CoreDNS): " + percent + "%");
            }
        }

        /** {@code off}, or {@code AMOUNT[:DURATION[:PERCENT%]]} (DURATION 1m, PERCENT 10% when left out); null for off. */
        public static Prefetch parse(String text) {
            String t = text == null ? "" : text.trim();
            if (t.equalsIgnoreCase("off")) {
                return null;
            }
            String[] parts = t.split(":", -1);
            if (parts.length > 3 || parts[0].isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' is not AMOUNT[:DURATION[:PERCENT%]] (e.g. 10:1m:10%) or off");
            }
            int amount;
            try {
                amount = Integer.parseInt(parts[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("AMOUNT '" + parts[0] + "' is not a number (AMOUNT:DURATION:PERCENT%, e.g. 10:1m:10%)");
            }
            Duration window = parts.length > 1 ? Durations.parse(parts[1]) : Duration.ofMinutes(1);
            int percent = 10;
            if (parts.length > 2) {
                String p = parts[2].endsWith("%") ? parts[2].substring(0, parts[2].length() - 1) : parts[2];
                try {
                    percent = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("PERCENT '" + parts[2] + "' is not a percentage (e.g. 10%)");
                }
            }
            return new Prefetch(amount, window, percent);
        }
    }

    /** {@code --serve-stale}: {@code off}, {@code 0} or a duration. */
    public static Duration parseServeStale(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("off")) {
            return Duration.ZERO;
        }
        Duration d = Durations.parse(t);
        if (d.isNegative()) {
            throw new IllegalArgumentException("must not be negative: " + text);
        }
        return d;
    }
}
