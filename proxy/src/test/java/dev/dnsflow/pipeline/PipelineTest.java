package dev.dnsflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The chain both ways: answers go back through the stages the query passed, and deferred work stays guarded. */
class PipelineTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<Flow> flows = new ArrayList<>();
    private final LoopContext loop = new LoopContext(channel.eventLoop(), 0, ProxyMetrics.standalone(), flows::add);
    private final List<String> seen = new ArrayList<>();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void answersGoBackThroughEarlierStagesLastFirstAndNeverThroughTheStageThatAnswered() {
        Pipeline pipeline = new Pipeline(List.of(watching("first"), new PassOn(), watching("second"),
                answering(Responses.NXDOMAIN), watching("after")));

        pipeline.serve(exchange());

        assertThat(seen).containsExactly("second saw 3", "first saw 3");
        assertThat(replyRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(flows).singleElement().satisfies(f -> assertThat(f.outcome()).isEqualTo(Outcome.REFUSED));
    }

    @Test
    void aChainThatEndsUnansweredGetsServfailThroughEveryStageThatActsOnAnswers() {
        new Pipeline(List.of(watching("only"))).serve(exchange());

        assertThat(seen).containsExactly("only saw 2");
        assertThat(replyRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void anAnswerHeldBackOnItsWayGoesOutWhenItsTimeComes() {
        Stage holding = holdingAnswers(TimeUnit.MILLISECONDS.toNanos(50));
        Exchange exchange = exchange();
        new Pipeline(List.of(holding, answering(Responses.NOERROR))).serve(exchange);

        assertThat((Object) channel.readOutbound()).as("held back").isNull();
        assertThat(exchange.isDone()).as("answered, on its way back").isTrue();
        channel.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(replyRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void deferredWorkThatThrowsStillGetsTheClientServfail() {
        Stage delaying = delayingQueries(TimeUnit.MILLISECONDS.toNanos(10));
        Stage throwing = new PassOn() {
            @Override
            public void serve(Exchange exchange, Next next) {
                throw new IllegalStateException("boom");
            }
        };
        new Pipeline(List.of(delaying, throwing)).serve(exchange());
        channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(replyRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void aStageThatThrowsOnTheWayBackStillGetsTheClientServfailAndLeaksNothing() {
        Stage throwing = new PassOn() {
            @Override
            public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
                throw new IllegalStateException("boom");
            }
        };
        new Pipeline(List.of(watching("first"), throwing, answering(Responses.NOERROR))).serve(exchange());

        assertThat(replyRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(seen).as("sent past the stages, not through them again").isEmpty();
        assertThat(flows).singleElement().satisfies(f -> assertThat(f.outcome()).isEqualTo(Outcome.SERVFAIL));
    }

    @Test
    void shutdownSendsAHeldAnswerAtOnceAndAnswersADelayedQueryServfail() {
        Stage holding = holdingAnswers(TimeUnit.SECONDS.toNanos(60));
        Stage delaying = delayingQueries(TimeUnit.SECONDS.toNanos(60));
        new Pipeline(List.of(holding, answering(Responses.NXDOMAIN))).serve(exchange());
        new Pipeline(List.of(delaying, answering(Responses.NXDOMAIN))).serve(exchange());
        assertThat(loop.live()).isEqualTo(2);

        loop.abandonLive();

        List<Integer> rcodes = List.of(replyRcode(), replyRcode());
        assertThat(rcodes).containsExactlyInAnyOrder(Rcode.NXDOMAIN, Rcode.SERVFAIL);
        assertThat(loop.live()).isZero();
        assertThat(flows).hasSize(2);
    }

    private Exchange exchange() {
        Message query = Wire.query("example.com.", Type.A, 4242);
        ByteBuf bytes = Wire.buf(query);
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(bytes, parsed);
        return new Exchange(loop, channel, new InetSocketAddress("127.0.0.1", 5000), Transport.TCP, bytes, parsed,
                System.nanoTime(), null);
    }

    /** The rcode of the next answer written to the client, which must carry the client's ID. */
    private int replyRcode() {
        loop.flusher().flush();
        ByteBuf out = channel.readOutbound();
        assertThat(out).as("an answer was written").isNotNull();
        try {
            assertThat(DnsHeader.id(out)).as("with the client's ID").isEqualTo(4242);
            return Wire.parse(out).getRcode();
        } finally {
            out.release();
        }
    }

    private Stage watching(String name) {
        List<String> log = seen;
        return new PassOn() {
            @Override
            public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
                log.add(name + " saw " + DnsHeader.rcode(response));
                back.answer(exchange, response, outcome);
            }
        };
    }

    /** Holds every answer back this long on its way to the client. */
    private static Stage holdingAnswers(long nanos) {
        return new PassOn() {
            @Override
            public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
                back.answerAfter(exchange, response, outcome, nanos);
            }
        };
    }

    /** Passes every query on only after this long. */
    private static Stage delayingQueries(long nanos) {
        return new PassOn() {
            @Override
            public void serve(Exchange exchange, Next next) {
                next.serveAfter(exchange, nanos);
            }
        };
    }

    private static Stage answering(int rcode) {
        return new PassOn() {
            @Override
            public void serve(Exchange exchange, Next next) {
                exchange.respondError(rcode, Outcome.REFUSED);
            }
        };
    }

    /** A stage that does nothing either way (the default answer path). */
    private static class PassOn implements Stage {
        @Override
        public String name() {
            return "pass-on";
        }

        @Override
        public void serve(Exchange exchange, Next next) {
            next.serve(exchange);
        }
    }
}
