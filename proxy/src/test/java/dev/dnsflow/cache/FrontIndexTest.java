package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** A loop's front gives what the cache holds, fresh, and nothing the cache let go. */
class FrontIndexTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final ResponseCache cache = new ResponseCache(CacheOptions.defaults(), null, clock::get);
    private final FrontIndex front = new FrontIndex(cache);
    private final Message query = Wire.query("front.example.com.", Type.A, 1);
    private final CacheKey key = key(query);

    @Test
    void aReplacedEntryIsNeverGivenAgain() {
        CachedAnswer first = store(300);
        for (int i = 0; i < 3 * FrontIndex.SAMPLE; i++) {
            assertThat(front.get(key, clock.get())).isSameAs(first);
        }

        CachedAnswer second = store(300);

        assertThat(first.retired()).isTrue();
        for (int i = 0; i < 3 * FrontIndex.SAMPLE; i++) {
            assertThat(front.get(key, clock.get())).isSameAs(second);
        }
    }

    @Test
    void anInvalidatedOrEvictedEntryIsNotGiven() {
        CachedAnswer first = store(300);
        assertThat(front.get(key, clock.get())).isSameAs(first);

        // An NXDOMAIN for the name moves it to the denial part: the success entry goes.
        assertThat(cache.store(key, Unpooled.wrappedBuffer(CacheTest.negative(query, 3, 60, 60).toWire()))).isNotNull();

        assertThat(first.retired()).isTrue();
        assertThat(front.get(key, clock.get())).isNotSameAs(first).isSameAs(cache.get(key));
    }

    @Test
    void anEntryPastItsTtlComesFromTheCacheItselfAsStale() {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults().withServeStale(java.time.Duration.ofMinutes(1)),
                null, clock::get);
        FrontIndex front = new FrontIndex(cache);
        CachedAnswer first = cache.store(key, Unpooled.wrappedBuffer(CacheTest.answer(query, 30).toWire()));
        assertThat(front.get(key, clock.get())).isSameAs(first);

        clock.addAndGet(31 * SECOND); // expired, within the serve-stale window: the cache still has it

        CachedAnswer stale = front.get(key, clock.get());
        assertThat(stale).isNotNull().isSameAs(first).isSameAs(cache.get(key));
        assertThat(stale.fresh(clock.get())).isFalse();
    }

    @Test
    void anEntryEvictedBySizeWhileInAFrontIsNotGivenFromIt() {
        ResponseCache small = new ResponseCache(CacheOptions.defaults().withParts(new CacheOptions.Part(2, 30),
                CacheOptions.defaults().denial()), null, clock::get);
        FrontIndex smallFront = new FrontIndex(small);
        CachedAnswer first = small.store(key, Unpooled.wrappedBuffer(CacheTest.answer(query, 300).toWire()));
        assertThat(smallFront.get(key, clock.get())).isSameAs(first);
        assertThat(smallFront.holds(first)).isTrue();

        for (int i = 0; i < 10; i++) { // more names than the part holds, each more often: W-TinyLFU evicts the first
            Message other = Wire.query("n" + i + ".example.com.", Type.A, 1);
            for (int j = 0; j < 10; j++) {
                small.store(key(other), Unpooled.wrappedBuffer(CacheTest.answer(other, 300).toWire()));
            }
        }
        small.cleanUp();
        assertThat(small.get(key)).as("evicted by size").isNull();

        assertThat(first.retired()).isTrue();
        for (int i = 0; i < 3 * FrontIndex.SAMPLE; i++) {
            assertThat(smallFront.get(key, clock.get())).isNull();
        }
        assertThat(smallFront.holds(first)).as("its slot let go").isFalse();
    }

    @Test
    void aHeavyEntryIsLeftToTheCache() {
        Message answer = Wire.answer(query);
        for (int i = 0; i < 80; i++) {
            answer.addRecord(Wire.answer(query, "192.0.2." + (i + 1)).getSection(org.xbill.DNS.Section.ANSWER).get(0),
                    org.xbill.DNS.Section.ANSWER);
        }
        CachedAnswer heavy = cache.store(key, Unpooled.wrappedBuffer(answer.toWire()));
        assertThat(heavy.weight()).isGreaterThan(FrontIndex.MAX_WEIGHT);

        assertThat(front.get(key, clock.get())).isSameAs(heavy);
        assertThat(front.holds(heavy)).as("a slot could keep it alive after Caffeine lets it go").isFalse();
        CachedAnswer light = store(300);
        assertThat(front.get(key, clock.get())).isSameAs(light);
        assertThat(front.holds(light)).isTrue();
    }

    @Test
    void aNameNotCachedIsNotFound() {
        store(300);
        assertThat(front.get(key(Wire.query("other.example.com.", Type.A, 1)), clock.get())).isNull();
    }

    private CachedAnswer store(long ttl) {
        CachedAnswer entry = cache.store(key, Unpooled.wrappedBuffer(CacheTest.answer(query, ttl).toWire()));
        assertThat(entry).isNotNull();
        return entry;
    }

    private static CacheKey key(Message query) {
        ByteBuf b = Wire.buf(query);
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(b, parsed);
        return CacheKey.of(b, parsed);
    }
}
