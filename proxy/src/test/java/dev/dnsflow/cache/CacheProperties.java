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
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SOARecord;
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
 * and the question's case changed, and the upstream's OPT replaced by one of dnsflow's own exactly when the
 * client sent one; TTLs never rise as time passes; nothing is served past its part's TTL cap.
 */
class CacheProperties {
    private static final long SECOND = 1_000_000_000L;

    /**
     * An upstream answer: a name in some case, records with their TTLs, maybe authority; maybe an OPT (plain, with
     * a COOKIE as echoed to the first client, or with COOKIE and PADDING), maybe a record after it; maybe negative
     * (NXDOMAIN: the records, then a SOA with the last TTL and MINIMUM {@code minimum}); and whether the client
     * asking later sends EDNS.
     */
    record Upstream(String name, List<Long> ttls, boolean authority, int opt, int id, boolean negative, boolean clientEdns,
                    boolean afterOpt) {
        static final long MINIMUM = 3600;

        Message query(String inCase, int queryId) {
            return Wire.query(inCase, Type.A, queryId);
        }

        Message clientQuery(String inCase, int queryId) {
            Message q = query(inCase, queryId);
            if (clientEdns) {
                q.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(new GenericEDNSOption(10, new byte[] {9, 9, 9, 9, 9, 9, 9, 9}))),
                        Section.ADDITIONAL);
            }
            return q;
        }

        Message answer() {
            Message q = query(name, id);
            Message r = Wire.answer(q);
            r.getHeader().setID(id);
            try {
                Name owner = Name.fromString(name);
                int records = negative ? ttls.size() - 1 : ttls.size();
                for (int i = 0; i < records; i++) {
                    r.addRecord(i % 2 == 0
                            ? new ARecord(owner, DClass.IN, ttls.get(i), InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) i}))
                            : new TXTRecord(owner, DClass.IN, ttls.get(i), "t" + i), Section.ANSWER);
                }
                if (negative) {
                    r.getHeader().setRcode(Rcode.NXDOMAIN);
                    r.addRecord(new SOARecord(Name.fromString("example.com."), DClass.IN, ttls.get(ttls.size() - 1),
                            Name.fromString("ns1.example.com."), Name.fromString("admin.example.com."), 1, 2, 3, 4, MINIMUM),
                            Section.AUTHORITY);
                }
                if (authority) {
                    r.addRecord(new NSRecord(Name.fromString("example.com."), DClass.IN, 7200,
                            Name.fromString("ns1.Example.COM.")), Section.AUTHORITY);
                }
                if (opt > 0) {
                    List<EDNSOption> options = new ArrayList<>();
                    if (opt >= 2) {
                        options.add(new CookieOption(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, new byte[] {8, 7, 6, 5, 4, 3, 2, 1}));
                    }
                    if (opt >= 3) {
                        options.add(new GenericEDNSOption(12, new byte[40])); // PADDING
                    }
                    r.addRecord(new OPTRecord(4096, 0, 0, 0, options), Section.ADDITIONAL);
                }
                if (afterOpt) {
                    r.addRecord(new ARecord(owner, DClass.IN, ttls.get(0), InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 1})),
                            Section.ADDITIONAL);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return r;
        }

        /** The TTL the entry is kept (before the part's clamp). */
        long ttl() {
            long min = ttls.stream().mapToLong(Long::longValue).min().orElseThrow();
            if (afterOpt) {
                min = Math.min(min, ttls.get(0));
            }
            if (negative) {
                return Math.min(min, Math.min(MINIMUM, authority ? 7200 : Long.MAX_VALUE));
            }
            return authority ? Math.min(min, 7200) : min;
        }
    }

    @Provide
    Arbitrary<Upstream> answers() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withChars('-')
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.startsWith("-"));
        Arbitrary<String> name = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l) + ".example.com.");
        Arbitrary<List<Long>> ttls = Arbitraries.longs().between(0, 2_000_000).list().ofMinSize(1).ofMaxSize(6);
        return Combinators.combine(name, ttls, Arbitraries.of(true, false), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 65535), Arbitraries.of(true, false), Arbitraries.of(true, false),
                Arbitraries.of(true, false)).as(Upstream::new);
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
        Message clientQuery = up.clientQuery(asked, clientId);
        ByteBuf query = Unpooled.wrappedBuffer(clientQuery.toWire());
        CachedAnswer entry = cache.get(key(clientQuery));
        assertThat(entry).as("the same key in any case, with EDNS or not").isNotNull();
        ByteBuf hit = entry.write(ByteBufAllocator.DEFAULT, query, parse(query), 17);
        byte[] served = new byte[hit.readableBytes()];
        hit.getBytes(0, served);
        hit.release();

        byte[] expected = expected(upstreamBytes, up.clientEdns());
        assertThat(served).hasSameSizeAs(expected);
        List<int[]> ttlFields = ttlFields(expected);
        int nameEnd = 12 + Name.fromConstantString(up.name()).length();
        for (int i = 2; i < served.length; i++) {
            final int at = i;
            if (ttlFields.stream().anyMatch(f -> at >= f[0] && at < f[1])) {
                continue;
            }
            if (i >= 12 && i < nameEnd) {
                assertThat(Character.toLowerCase((char) served[i])).as("byte %d", i)
                        .isEqualTo(Character.toLowerCase((char) expected[i]));
                assertThat(served[i]).as("case at %d is the client's", i).isEqualTo(query.getByte(i));
            } else {
                assertThat(served[i]).as("byte %d", i).isEqualTo(expected[i]);
            }
        }
        assertThat(((served[0] & 0xff) << 8) | (served[1] & 0xff)).isEqualTo(clientId);
        for (int[] f : ttlFields) {
            assertThat(readInt(served, f[0])).isEqualTo(17);
        }
        Message parsed = Wire.parse(served);
        assertThat(parsed.getOPT() != null).as("an OPT exactly when the client sent one").isEqualTo(up.clientEdns());
        if (up.clientEdns()) {
            assertThat(parsed.getOPT().getPayloadSize()).isEqualTo(CachedAnswer.UDP_SIZE);
            assertThat(parsed.getOPT().getOptions()).as("none of the upstream's options, nor the client's").isEmpty();
        }
    }

    /** The upstream's bytes without its OPT (ARCOUNT less one, what followed kept), and the hit's own OPT if asked. */
    private static byte[] expected(byte[] m, boolean clientEdns) {
        int records = u16(m, 6) + u16(m, 8) + u16(m, 10);
        int pos = skipName(m, 12) + 4;
        int optStart = -1;
        int optEnd = -1;
        for (int i = 0; i < records; i++) {
            int end = skipName(m, pos);
            int next = end + 10 + u16(m, end + 8);
            if (u16(m, end) == Type.OPT) {
                optStart = pos;
                optEnd = next;
            }
            pos = next;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int arCount = u16(m, 10);
        if (optStart < 0) {
            out.write(m, 0, m.length);
        } else {
            out.write(m, 0, optStart);
            out.write(m, optEnd, m.length - optEnd);
            arCount--;
        }
        if (clientEdns) {
            out.write(new byte[] {0, 0, 41, 0x04, (byte) 0xD0, 0, 0, 0, 0, 0, 0}, 0, 11);
            arCount++;
        }
        byte[] e = out.toByteArray();
        e[10] = (byte) (arCount >> 8);
        e[11] = (byte) arCount;
        return e;
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
        assertThat(entry.ttl()).isEqualTo((int) Math.max(Math.min(5, cap), Math.min(cap, up.ttl())));

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
            ByteBuf q = Unpooled.wrappedBuffer(up.clientQuery(up.name(), 1).toWire());
            Message served = Wire.parse(now.write(ByteBufAllocator.DEFAULT, q, parse(q), left));
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

    private static ParsedQuery parse(ByteBuf q) {
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(q, parsed);
        return parsed;
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
