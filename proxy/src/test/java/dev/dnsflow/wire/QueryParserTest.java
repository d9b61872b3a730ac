package dev.dnsflow.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Type;

class QueryParserTest {

    private static ParsedQuery parse(ByteBuf buf) {
        ParsedQuery p = new ParsedQuery();
        try {
            QueryParser.parse(buf, p);
        } finally {
            buf.release();
        }
        return p;
    }

    private static ParsedQuery parse(Message m) {
        return parse(Wire.buf(m));
    }

    @Test
    void readsHeaderAndQuestionOfAPlainQuery() {
        ParsedQuery p = parse(Wire.query("Example.COM.", Type.AAAA, 4242));
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.OK);
        assertThat(p.id()).isEqualTo(4242);
        assertThat(p.qtype()).isEqualTo(Type.AAAA);
        assertThat(p.qclass()).isEqualTo(1);
        assertThat(p.recursionDesired()).isTrue();
        assertThat(p.edns()).isFalse();
        assertThat(p.udpSize()).isEqualTo(512);
        assertThat(p.questionEnd()).isEqualTo(12 + 13 + 4);
        assertThat(p.nameEnd()).isEqualTo(12 + 13);
    }

    @Test
    void readsEdnsSizeAndDnssecOkFromOpt() {
        ParsedQuery p = parse(Wire.ednsQuery("example.com.", Type.A, 1, 1232, true));
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.OK);
        assertThat(p.edns()).isTrue();
        assertThat(p.udpSize()).isEqualTo(1232);
        assertThat(p.advertisedEdnsSize()).isEqualTo(1232);
        assertThat(p.dnssecOk()).isTrue();
    }

    @Test
    void treatsOptSizeBelow512As512() {
        assertThat(parse(Wire.ednsQuery("example.com.", Type.A, 1, 100, false)).udpSize()).isEqualTo(512);
    }

    @Test
    void dropsWhatCarriesNoId() {
        ParsedQuery p = parse(Wire.buf(0x12));
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.DROP);
        assertThat(p.problem()).isEqualTo("too_short");
    }

    @Test
    void answersFormerrToAShortHeaderWithReadableId() {
        ParsedQuery p = parse(Wire.buf(0x12, 0x34, 0, 0, 0));
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.FORMERR);
        assertThat(p.id()).isEqualTo(0x1234);
        assertThat(p.hasQuestion()).isFalse();
    }

    @Test
    void dropsResponsesSentAsQueries() {
        Message m = Wire.query("example.com.", Type.A, 7);
        m.getHeader().setFlag(org.xbill.DNS.Flags.QR);
        assertThat(parse(m).verdict()).isEqualTo(ParsedQuery.Verdict.DROP);
    }

    @Test
    void answersFormerrToAQueryCarryingAnRcodeAndKeepsItsQuestion() {
        Message m = Wire.query("example.com.", Type.A, 7);
        m.getHeader().setRcode(org.xbill.DNS.Rcode.REFUSED);
        ParsedQuery p = parse(m);
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.FORMERR);
        assertThat(p.problem()).isEqualTo("rcode_in_query");
        assertThat(p.hasQuestion()).as("the FORMERR echoes the question").isTrue();
    }

    @Test
    void rejectsQdcountOtherThanOne() {
        assertThat(parse(Wire.buf(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)).verdict()).isEqualTo(ParsedQuery.Verdict.FORMERR);
        assertThat(parse(Wire.buf(0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1)).problem())
                .isEqualTo("qdcount");
    }

    @Test
    void rejectsACompressionLoopInTheQuestion() {
        // The name is a pointer to itself.
        ParsedQuery p = parse(Wire.buf(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1));
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.FORMERR);
        assertThat(p.problem()).isEqualTo("bad_question");
    }

    @Test
    void rejectsAQuestionCutShort() {
        assertThat(parse(Wire.buf(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'c', 'o', 'm', 0, 0, 1)).verdict())
                .isEqualTo(ParsedQuery.Verdict.FORMERR);
        assertThat(parse(Wire.buf(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 'c', 'o', 'm')).verdict())
                .isEqualTo(ParsedQuery.Verdict.FORMERR);
    }

    @Test
    void rejectsReservedLabelTypes() {
        assertThat(parse(Wire.buf(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1)).verdict())
                .isEqualTo(ParsedQuery.Verdict.FORMERR);
    }

    @Test
    void rejectsTwoOptRecords() {
        Message m = Wire.ednsQuery("example.com.", Type.A, 1, 1232, false);
        byte[] one = m.toWire();
        // Append a second copy of the 11-byte OPT and bump ARCOUNT to 2.
        ByteBuf buf = Unpooled.buffer().writeBytes(one).writeBytes(one, one.length - 11, 11);
        buf.setShort(10, 2);
        assertThat(parse(buf).problem()).isEqualTo("bad_records");
    }

    @Test
    void answersNotimpToOtherOpcodes() {
        Message m = Wire.query("example.com.", Type.A, 9);
        m.getHeader().setOpcode(Opcode.NOTIFY);
        assertThat(parse(m).verdict()).isEqualTo(ParsedQuery.Verdict.NOTIMP);
    }

    @Test
    void acceptsAMessageThatStartsInsideABuffer() {
        byte[] wire = Wire.query("example.com.", Type.A, 77).toWire();
        ByteBuf buf = Unpooled.buffer().writeBytes(new byte[5]).writeBytes(wire);
        buf.readerIndex(5);
        ParsedQuery p = parse(buf);
        assertThat(p.verdict()).isEqualTo(ParsedQuery.Verdict.OK);
        assertThat(p.id()).isEqualTo(77);
        assertThat(p.questionEnd()).isEqualTo(wire.length);
    }
}
