package dev.dnsflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

class FlowFactsTest {
    /** What a stage said the answer carries: not what it does, so a test sees which one the summary took. */
    private static final byte[] SAID = {4, (byte) 198, 51, 100, 9};

    private final Message query = Wire.query("known.example.com.", Type.A, 1);
    /** The answer actually sent, carrying 192.0.2.1. */
    private final ByteBuf answer = Wire.buf(Wire.answer(query, "192.0.2.1"));
    private final int questionEnd = questionEnd(query);
    private final FlowFacts facts = new FlowFacts();

    @AfterEach
    void release() {
        answer.release();
    }

    @Test
    void knownAddressesServeOneSummaryOnlyAsTheBufferObjectMayComeBackForAnotherAnswer() {
        facts.knownAddresses(answer, SAID);

        FlowResponse first = facts.summary(answer, questionEnd);
        FlowResponse again = facts.summary(answer, questionEnd); // a recycled object, another answer

        assertThat(first.addresses()).containsExactly("198.51.100.9");
        assertThat(again.addresses()).containsExactly("192.0.2.1");
    }

    @Test
    void aForgottenAnswerIsParsed() {
        facts.knownAddresses(answer, SAID);
        facts.forgetKnown();

        assertThat(facts.summary(answer, questionEnd).addresses()).containsExactly("192.0.2.1");
    }

    private static int questionEnd(Message query) {
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(Wire.buf(query), parsed);
        return parsed.questionEnd();
    }
}
