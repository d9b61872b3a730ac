package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;

/**
 * What the cache stage did with the query: a flow's {@link #KEY} extension,
 * {@code "cache": {"result": "hit|miss|prefetch|stale|refresh", "ttl_left": N}}. {@code ttl_left} is the TTL in seconds
 * the client was given from cache (hit, stale, prefetch), what the entry had left when the refresh went upstream
 * (refresh), or 0 (miss). A hit has no attempts. A {@code refresh} flow is the cache's own background query, not a
 * client's: consumers that count client queries skip it ({@link #background}). It lives here, beside the flow, so the admin filters and the
 * command line read it without depending on the cache package.
 */
public record CacheMark(Result result, long ttlLeft) {

    public static final FlowExtension<CacheMark> KEY = new FlowExtension<>("cache", new Codec());
    /** The mark of every miss: one instance. */
    public static final CacheMark MISS = new CacheMark(Result.MISS, 0);

    /** How the cache took part; {@link #json()} is the flow's and the filter's spelling. */
    public enum Result {
        /** Answered from cache; nothing went upstream. */
        HIT,
        /** Not in cache (or only expired there): asked upstream. */
        MISS,
        /**
         * In cache, popular and near expiry: the client's flow, answered from the entry (no attempts), which a copy
         * of the query refreshes in the background (that copy's flow is {@link #REFRESH}).
         */
        PREFETCH,
        /** Every upstream attempt failed; answered from an expired entry (RFC 8767). */
        STALE,
        /**
         * The background refresh of a {@link #PREFETCH}: the cache's own query upstream (its attempts, its outcome),
         * answered to no client. Same client and query ID as the prefetch that caused it, but no client query: last,
         * so the compact codec's ordinals of the others stay.
         */
        REFRESH;

        private final String json = name().toLowerCase(Locale.ROOT);

        public String json() {
            return json;
        }

        /** The result spelled {@code text} (any case), or null. */
        public static Result of(String text) {
            for (Result r : values()) {
                if (r.json.equalsIgnoreCase(text)) {
                    return r;
                }
            }
            return null;
        }
    }

    /**
     * Whether {@code flow} is the cache's own background query ({@link Result#REFRESH}) rather than a client's: what
     * counts client queries (names, askers, diagnose) skips it.
     */
    public static boolean background(Flow flow) {
        CacheMark mark = flow.get(KEY);
        return mark != null && mark.result() == Result.REFRESH;
    }

    public CacheMark {
        if (result == null) {
            throw new IllegalArgumentException("cache result is required");
        }
    }

    private static final class Codec implements FlowExtension.Codec<CacheMark> {
        private static final SerializedString RESULT = new SerializedString("result");
        private static final SerializedString TTL_LEFT = new SerializedString("ttl_left");
        private static final Result[] RESULTS = Result.values();

        @Override
        public void writeJson(CacheMark c, JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeFieldName(RESULT);
            g.writeString(c.result().json());
            g.writeFieldName(TTL_LEFT);
            g.writeNumber(c.ttlLeft());
            g.writeEndObject();
        }

        @Override
        public CacheMark readJson(JsonNode c) {
            if (!c.isObject()) {
                return null;
            }
            Result r = Result.of(c.path("result").asText(""));
            if (r == null) {
                throw new IllegalArgumentException("cache.result: unknown value '" + c.path("result").asText("") + "'");
            }
            return new CacheMark(r, c.path("ttl_left").asLong());
        }

        @Override
        public void encode(CacheMark c, CompactWriter w) {
            w.writeByte(c.result().ordinal());
            w.writeSigned(c.ttlLeft());
        }

        @Override
        public CacheMark decode(CompactReader r) {
            int ordinal = r.readByte();
            if (ordinal < 0 || ordinal >= RESULTS.length) {
                throw new IllegalStateException("cache result " + ordinal + " unknown");
            }
            return new CacheMark(RESULTS[ordinal], r.readSigned());
        }
    }
}
