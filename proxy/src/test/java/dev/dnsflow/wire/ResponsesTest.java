package dev.dnsflow.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ResponsesTest {

    @Test
    void errorEchoesIdAndQuestion() {
        Message q = Wire.ednsQuery("Example.com.", Type.MX, 999, 1232, false);
        ByteBuf query = Wire.buf(q);
        ParsedQuery p = new ParsedQuery();
        QueryParser.parse(query, p);
        ByteBuf out = Responses.error(ByteBufAllocator.DEFAULT, query, p, Responses.SERVFAIL);
        try {
            Message r = Wire.parse(out);
            assertThat(r.getHeader().getID()).isEqualTo(999);
            assertThat(r.getHeader().getFlag(Flags.QR)).isTrue();
            assertThat(r.getHeader().getFlag(Flags.RD)).isTrue();
            assertThat(r.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(r.getQuestion()).isEqualTo(q.getQuestion());
            assertThat(r.getQuestion().getName().toString()).isEqualTo("Example.com.");
            assertThat(r.getSection(Section.ANSWER)).isEmpty();
        } finally {
            out.release();
            query.release();
        }
    }

    @Test
    void errorToAShortHeaderIsABareHeader() {
        ByteBuf query = Wire.buf(0xAB, 0xCD, 0, 0, 0);
        ParsedQuery p = new ParsedQuery();
        QueryParser.parse(query, p);
        ByteBuf out = Responses.error(ByteBufAllocator.DEFAULT, query, p, Responses.FORMERR);
        try {
            assertThat(out.readableBytes()).isEqualTo(12);
            Message r = Wire.parse(out);
            assertThat(r.getHeader().getID()).isEqualTo(0xABCD);
            assertThat(r.getRcode()).isEqualTo(Rcode.FORMERR);
        } finally {
            out.release();
            query.release();
        }
    }

    @Test
    void truncateKeepsHeaderAndQuestionAndSetsTc() {
        Message q = Wire.query("example.com.", Type.A, 5);
        Message a = Wire.answer(q, "192.0.2.1", "192.0.2.2");
        ByteBuf buf = Unpooled.buffer().writeBytes(a.toWire());
        int questionEnd = q.toWire().length;
        Responses.truncate(buf, questionEnd);
        try {
            Message r = Wire.parse(buf);
            assertThat(r.getHeader().getFlag(Flags.TC)).isTrue();
            assertThat(r.getSection(Section.ANSWER)).isEmpty();
            assertThat(r.getQuestion()).isEqualTo(q.getQuestion());
            assertThat(buf.readableBytes()).isEqualTo(questionEnd);
        } finally {
            buf.release();
        }
    }

    @Test
    void responseCheckAcceptsOnlyTheSameQuestion() {
        Message q = Wire.query("example.com.", Type.A, 5);
        ByteBuf query = Wire.buf(q);
        int questionEnd = q.toWire().length;
        ByteBuf good = Wire.buf(Wire.answer(Wire.query("EXAMPLE.com.", Type.A, 5), "192.0.2.1"));
        ByteBuf otherType = Wire.buf(Wire.answer(Wire.query("example.com.", Type.AAAA, 5)));
        ByteBuf otherName = Wire.buf(Wire.answer(Wire.query("example.org.", Type.A, 5)));
        ByteBuf longerName = Wire.buf(Wire.answer(Wire.query("example.com.evil.", Type.A, 5)));
        ByteBuf notResponse = Wire.buf(q);
        try {
            assertThat(ResponseCheck.check(good, query, questionEnd)).isNull();
            assertThat(ResponseCheck.check(otherType, query, questionEnd)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
            assertThat(ResponseCheck.check(otherName, query, questionEnd)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
            assertThat(ResponseCheck.check(longerName, query, questionEnd)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
            assertThat(ResponseCheck.check(notResponse, query, questionEnd)).isEqualTo(ResponseCheck.NOT_RESPONSE);
        } finally {
            for (ByteBuf b : new ByteBuf[] {query, good, otherType, otherName, longerName, notResponse}) {
                b.release();
            }
        }
    }

    @Test
    void responseCheckTakesAQuestionlessErrorButNotAQuestionlessAnswer() {
        Message q = Wire.query("example.com.", Type.A, 5);
        ByteBuf query = Wire.buf(q);
        ByteBuf formerr = Wire.buf(0, 5, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
        ByteBuf refused = Wire.buf(0, 5, 0x81, 0x05, 0, 0, 0, 0, 0, 0, 0, 0);
        ByteBuf noerror = Wire.buf(0, 5, 0x81, 0x00, 0, 0, 0, 0, 0, 0, 0, 0);
        ByteBuf nxdomain = Wire.buf(0, 5, 0x81, 0x03, 0, 0, 0, 0, 0, 0, 0, 0);
        ByteBuf questionlessQuery = Wire.buf(0, 5, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
        int questionEnd = q.toWire().length;
        try {
            assertThat(ResponseCheck.check(formerr, query, questionEnd)).isNull();
            assertThat(ResponseCheck.check(refused, query, questionEnd)).isNull();
            assertThat(ResponseCheck.check(noerror, query, questionEnd)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
            assertThat(ResponseCheck.check(nxdomain, query, questionEnd)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
            assertThat(ResponseCheck.check(questionlessQuery, query, questionEnd)).isEqualTo(ResponseCheck.NOT_RESPONSE);
        } finally {
            for (ByteBuf b : new ByteBuf[] {query, formerr, refused, noerror, nxdomain, questionlessQuery}) {
                b.release();
            }
        }
    }

    @Test
    void typeCompareIsExactNotCaseFolded() {
        // Type 65 ('A') vs 97 ('a'): bytes that differ only in ASCII case must still differ as types.
        Message q = Wire.query("example.com.", 65, 5);
        ByteBuf query = Wire.buf(q);
        ByteBuf other = Wire.buf(Wire.answer(Wire.query("example.com.", 97, 5)));
        try {
            assertThat(ResponseCheck.check(other, query, q.toWire().length)).isEqualTo(ResponseCheck.QUESTION_MISMATCH);
        } finally {
            query.release();
            other.release();
        }
    }

    @Test
    void summaryListsAnswerAddresses() {
        Message q = Wire.query("example.com.", Type.A, 5);
        ByteBuf answer = Wire.buf(Wire.answer(q, "192.0.2.1", "192.0.2.2"));
        try {
            var summary = ResponseReader.summarize(answer, q.toWire().length);
            assertThat(summary.answers()).isEqualTo(2);
            assertThat(summary.addresses()).containsExactly("192.0.2.1", "192.0.2.2");
            assertThat(summary.rcode()).isZero();
            assertThat(summary.truncated()).isFalse();
        } finally {
            answer.release();
        }
    }
}
