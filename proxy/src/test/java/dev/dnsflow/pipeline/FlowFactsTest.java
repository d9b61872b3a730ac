package dev.dnsflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

class FlowFactsTest {
    /** What a stage said the answer carries: not what it does, so a test sees which one the summary took. */
    private static final byte[] SAID = {4, (byte) 198, 51, 100, 9};

    @Test
    void knownAddressesServeOneSummaryOnlyAsTheBufferObjectMayComeBackForAnotherAnswer() {
        Message query = Wire.query("known.example.com.", Type.A, 1);
        ByteBuf answer = Wire.buf(Wire.answer(query, "192.0.2.1"));
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(Wire.buf(query), parsed);
        try {
            FlowFacts facts = new FlowFacts();
            facts.knownAddresses(answer, SAID);

            FlowResponse first = facts.summary(answer, parsed.questionEnd());
            FlowResponse again = facts.summary(answer, parsed.questionEnd()); // a recycled object, another answer

            assertThat(first.addresses()).containsExactly("198.51.100.9");
            assertThat(again.addresses()).containsExactly("192.0.2.1");
        } finally {
            answer.release();
        }
    }

    @Test
    void aForgottenAnswerIsParsed() {
        Message query = Wire.query("known.example.com.", Type.A, 1);
        ByteBuf answer = Wire.buf(Wire.answer(query, "192.0.2.1"));
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(Wire.buf(query), parsed);
        try {
            FlowFacts facts = new FlowFacts();
            facts.knownAddresses(answer, SAID);
            facts.forgetKnown();

            assertThat(facts.summary(answer, parsed.questionEnd()).addresses()).containsExactly("192.0.2.1");
        } finally {
            answer.release();
        }
    }
}
