package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Which upstream answers make an entry, in which part and for how long: the byte work alone. */
class CachedAnswerTest {
    private static final CacheOptions OPTIONS = CacheOptions.defaults().withParts(new CacheOptions.Part(10, 3600),
            new CacheOptions.Part(10, 1800));
    private final Message query = Wire.query("www.example.com.", Type.A, 7);

    @Test
    void anAnswerIsASuccessForItsSmallestTtl() {
        CachedAnswer a = entry(m -> CacheTest.answer(m, 120));
        assertThat(a.kind()).isEqualTo(CachedAnswer.Kind.SUCCESS);
        assertThat(a.ttl()).isEqualTo(120);
    }

    @Test
    void aReferralIsASuccessAndNoDataWithoutSoaIsNothing() {
        CachedAnswer referral = entry(m -> {
            m.addRecord(new NSRecord(name("example.com."), DClass.IN, 600, name("ns.example.com.")), Section.AUTHORITY);
            return m;
        });
        assertThat(referral.kind()).isEqualTo(CachedAnswer.Kind.SUCCESS);
        assertThat(referral.ttl()).isEqualTo(600);
        assertThat(entry(m -> m)).isNull();
    }

    @Test
    void negativeAnswersAreDenialsForTheSmallerOfSoaTtlAndMinimum() {
        assertThat(entry(m -> CacheTest.negative(m, Rcode.NXDOMAIN, 900, 300)).ttl()).isEqualTo(300);
        assertThat(entry(m -> CacheTest.negative(m, Rcode.NXDOMAIN, 60, 300)).ttl()).isEqualTo(60);
        CachedAnswer nodata = entry(m -> CacheTest.negative(m, Rcode.NOERROR, 60, 300));
        assertThat(nodata.kind()).isEqualTo(CachedAnswer.Kind.DENIAL);
        assertThat(entry(m -> {
            m.getHeader().setRcode(Rcode.NXDOMAIN);
            return m;
        })).as("NXDOMAIN without SOA").isNull();
    }

    @Test
    void ttlsAreCappedByThePartAndRaisedToFiveSeconds() {
        assertThat(entry(m -> CacheTest.answer(m, 86400)).ttl()).isEqualTo(3600);
        assertThat(entry(m -> CacheTest.answer(m, 0)).ttl()).isEqualTo(5);
        assertThat(entry(m -> CacheTest.negative(m, Rcode.NXDOMAIN, 86400, 86400)).ttl()).isEqualTo(1800);
    }

    @Test
    void servfailIsADenialForFiveSeconds() {
        CachedAnswer a = entry(m -> {
            m.getHeader().setRcode(Rcode.SERVFAIL);
            return m;
        });
        assertThat(a.kind()).isEqualTo(CachedAnswer.Kind.DENIAL);
        assertThat(a.ttl()).isEqualTo(5);
    }

    @Test
    void neverTruncatedOtherRcodesOtherQuestionsOrNonAnswers() {
        assertThat(entry(m -> {
            Message a = CacheTest.answer(query, 60);
            a.getHeader().setFlag(Flags.TC);
            return a;
        })).as("TC").isNull();
        for (int rcode : new int[] {Rcode.FORMERR, Rcode.NOTIMP, Rcode.REFUSED}) {
            assertThat(entry(m -> {
                m.getHeader().setRcode(rcode);
                return m;
            })).as(Rcode.string(rcode)).isNull();
        }
        assertThat(entry(m -> CacheTest.answer(Wire.query("other.example.com.", Type.A, 7), 60))).as("another name").isNull();
        assertThat(entry(m -> CacheTest.answer(Wire.query("www.example.com.", Type.AAAA, 7), 60))).as("another type").isNull();
        assertThat(entry(m -> {
            Message a = CacheTest.answer(query, 60);
            a.getHeader().unsetFlag(Flags.QR);
            return a;
        })).as("not a response").isNull();
        assertThat(entry(m -> {
            Message a = CacheTest.answer(query, 60);
            a.getHeader().setOpcode(Opcode.NOTIFY);
            return a;
        })).as("not QUERY").isNull();
        assertThat(entry(m -> CacheTest.answer(query, 60))).as("the same, untouched").isNotNull();
    }

    @Test
    void theQuestionMatchesInAnyCase() {
        assertThat(entry(m -> CacheTest.answer(Wire.query("WWW.Example.COM.", Type.A, 7), 60))).isNotNull();
    }

    private CachedAnswer entry(UnaryOperator<Message> upstream) {
        ByteBuf q = Unpooled.wrappedBuffer(query.toWire());
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(q, parsed);
        Message answer = upstream.apply(Wire.answer(query));
        return CachedAnswer.of(CacheKey.of(q, parsed), Unpooled.wrappedBuffer(answer.toWire()), 0, OPTIONS);
    }

    private static Name name(String s) {
        return Name.fromConstantString(s);
    }
}
