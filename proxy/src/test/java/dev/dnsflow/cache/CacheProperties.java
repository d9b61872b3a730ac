package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * What holds for any answer the cache keeps: the client gets the upstream's bytes with only the ID, the TTLs
 * and the question's case changed; TTLs never rise as time passes; nothing is served past its part's TTL cap.
 */
class CacheProperties {
    private static final long SECOND = 1_000_000_000L;

    /** An upstream answer: a name in some case, records with their TTLs, maybe authority and OPT. */
    record Upstream(String name, List<Long> ttls, boolean authority, boolean opt, int id) {
        Message query(String inCase, int queryId) {
            Message q = Wire.query(inCase, Type.A, queryId);
            if (opt) {
                q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
            }
            return q;
        }

        Message answer() {
            Message q = query(name, id);
            Message r = Wire.answer(q);
            r.getHeader().setID(id);
            try {
                Name owner = Name.fromString(name);
                for (int i = 0; i < ttls.size(); i++) {
                    r.addRecord(i % 2 == 0
                            ? new ARecord(owner, DClass.IN, ttls.get(i), InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) i}))
                            : new TXTRecord(owner, DClass.IN, ttls.get(i), "t" + i), Section.ANSWER);
                }
                if (authority) {
                    r.addRecord(new NSRecord(Name.fromString("example.com."), DClass.IN, 7200,
                            Name.fromString("ns1.Example.COM.")), Section.AUTHORITY);
                }
                if (opt) {
                    r.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return r;
        }
    }

    @Provide
    Arbitrary<Upstream> answers() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withChars('-')
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.startsWith("-"));
        Arbitrary<String> name = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l) + ".example.com.");
        Arbitrary<List<Long>> ttls = Arbitraries.longs().between(0, 2_000_000).list().ofMinSize(1).ofMaxSize(6);
        return Combinators.combine(name, ttls, Arbitraries.of(true, false), Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 65535)).as(Upstream::new);
    }

    @Provide
    Arbitrary<String> caseMasks() {
        return Arbitraries.strings().withChars('u', 'l', 'k').ofLength(64);
    }

    @Property(tries = 300)
    void aCachedAnswerIsTheUpstreamsBytesExceptIdTtlsAndCase(@ForAll("answers") Upstream up, @ForAll("caseMasks") String mask,
                                                             @ForAll @IntRange(max = 65535) int clientId,
                                                             @ForAll @LongRange(max = 4_999) long millisLater) {
        AtomicLong clock = new AtomicLong(5 * SECOND);
        ResponseCache cache = new ResponseCache(CacheOptions.defaults(), null, clock::get);
        byte[] upstreamBytes = up.answer().toWire();
        CacheKey key = key(up.query(up.name(), up.id()));
        assertThat(cache.store(key, Unpooled.wrappedBuffer(upstreamBytes))).isNotNull();

        clock.addAndGet(millisLater * 1_000_000);
        String asked = recase(up.name(), mask);
        ByteBuf query = Unpooled.wrappedBuffer(up.query(asked, clientId).toWire());
        CachedAnswer entry = cache.get(key(up.query(asked, clientId)));
        assertThat(entry).as("the same key in any case").isNotNull();
        ByteBuf hit = entry.write(ByteBufAllocator.DEFAULT, query, clientId, 17);
        byte[] served = new byte[hit.readableBytes()];
        hit.getBytes(0, served);
        hit.release();

        assertThat(served).hasSameSizeAs(upstreamBytes);
        List<int[]> ttlFields = ttlFields(upstreamBytes);
        int nameEnd = 12 + Name.fromConstantString(up.name()).length();
        for (int i = 2; i < served.length; i++) {
            final int at = i;
            if (ttlFields.stream().anyMatch(f -> at >= f[0] && at < f[1])) {
                continue;
            }
            if (i >= 12 && i < nameEnd) {
                assertThat(Character.toLowerCase((char) served[i])).as("byte %d", i)
                        .isEqualTo(Character.toLowerCase((char) upstreamBytes[i]));
                assertThat(served[i]).as("case at %d is the client's", i).isEqualTo(query.getByte(i));
            } else {
                assertThat(served[i]).as("byte %d", i).isEqualTo(upstreamBytes[i]);
            }
        }
        assertThat(((served[0] & 0xff) << 8) | (served[1] & 0xff)).isEqualTo(clientId);
        for (int[] f : ttlFields) {
            assertThat(readInt(served, f[0])).isEqualTo(17);
        }
    }

    @Property(tries = 300)
    void ttlsNeverRiseAndNothingOutlivesItsCap(@ForAll("answers") Upstream up, @ForAll @IntRange(min = 1, max = 120) int cap,
                                               @ForAll @Size(max = 30) List<@LongRange(max = 20_000) Long> steps) {
        AtomicLong clock = new AtomicLong(SECOND);
        CacheOptions options = CacheOptions.defaults().withParts(new CacheOptions.Part(100, cap), new CacheOptions.Part(100, cap));
        ResponseCache cache = new ResponseCache(options, null, clock::get);
        CacheKey key = key(up.query(up.name(), up.id()));
        long stored = clock.get();
        CachedAnswer entry = cache.store(key, Unpooled.wrappedBuffer(up.answer().toWire()));
        assertThat(entry.ttl()).isBetween(1, cap);
        long minUpstream = up.ttls().stream().mapToLong(Long::longValue).min().orElseThrow();
        assertThat(entry.ttl()).isEqualTo((int) Math.max(Math.min(5, cap), Math.min(cap, up.authority() ? Math.min(minUpstream, 7200) : minUpstream)));

        long previous = Long.MAX_VALUE;
        for (long step : steps) {
            clock.addAndGet(step * 1_000_000);
            CachedAnswer now = cache.get(key);
            long age = clock.get() - stored;
            if (age >= (long) entry.ttl() * SECOND) { // and entry.ttl() <= cap, checked above
                assertThat(now == null || !now.fresh(clock.get())).as("nothing fresh past its TTL").isTrue();
                break;
            }
            assertThat(now).isSameAs(entry);
            int left = now.ttlLeft(clock.get());
            assertThat(left).isBetween(1, cap).isLessThanOrEqualTo((int) Math.min(previous, Integer.MAX_VALUE));
            Message served = Wire.parse(now.write(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(up.query(up.name(), 1).toWire()), 1, left));
            for (int s : new int[] {Section.ANSWER, Section.AUTHORITY}) {
                for (Record r : served.getSection(s)) {
                    assertThat(r.getTTL()).isEqualTo(left);
                }
            }
            previous = left;
        }
    }

    private static CacheKey key(Message query) {
        ByteBuf q = Unpooled.wrappedBuffer(query.toWire());
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(q, parsed);
        return CacheKey.of(q, parsed);
    }

    private static String recase(String name, String mask) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            char m = mask.charAt(i % mask.length());
            sb.append(m == 'u' ? Character.toUpperCase(c) : m == 'l' ? Character.toLowerCase(c) : c);
        }
        return sb.toString().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)) ? sb.toString() : name;
    }

    /** The [start, end) of every record's TTL field but OPT's, found by a walk of the test's own. */
    private static List<int[]> ttlFields(byte[] m) {
        List<int[]> out = new ArrayList<>();
        int records = u16(m, 6) + u16(m, 8) + u16(m, 10);
        int pos = skipName(m, 12) + 4;
        for (int i = 0; i < records; i++) {
            int end = skipName(m, pos);
            if (u16(m, end) != Type.OPT) {
                out.add(new int[] {end + 4, end + 8});
            }
            pos = end + 10 + u16(m, end + 8);
        }
        return out;
    }

    private static int skipName(byte[] m, int pos) {
        while (true) {
            int len = m[pos] & 0xff;
            if (len == 0) {
                return pos + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                return pos + 2;
            }
            pos += len + 1;
        }
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xff) << 8) | (m[at + 1] & 0xff);
    }

    private static int readInt(byte[] m, int at) {
        return (u16(m, at) << 16) | u16(m, at + 2);
    }
}
