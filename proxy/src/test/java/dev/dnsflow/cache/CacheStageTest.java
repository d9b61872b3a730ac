package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import dev.dnsflow.wire.ResponseReader;
import dev.dnsflow.wire.Responses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cache stage in a pipeline of its own, where a test can end an exchange in ways a live proxy rarely does. */
class CacheStageTest {
    private static final long SECOND = 1_000_000_000L;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<Flow> flows = new ArrayList<>();
    private final LoopContext loop = new LoopContext(channel.eventLoop(), 0, ProxyMetrics.standalone(), flows::add);
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aPrefetchDroppedOnItsWayUpstreamReleasesItsClaimSoTheNextQueryRefreshes() {
        ResponseCache cache = prefetchingCache();
        Message query = Wire.query("drop.example.com.", Type.A, 1);
        cache.store(CacheKey.of(Unpooled.wrappedBuffer(query.toWire()), parse(Unpooled.wrappedBuffer(query.toWire()))),
                Unpooled.wrappedBuffer(CacheTest.answer(query, 300).toWire()));
        clock.addAndGet(20 * SECOND); // 10 s left of 30: due
        int[] upstream = new int[1];
        Stage dropping = new Stage() {
            @Override
            public String name() {
                return "dropping";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                upstream[0]++;
                exchange.drop("test"); // the refresh is lost on its way: no answer comes back through the cache
            }
        };
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(new SimpleMeterRegistry()),
                List.of(loop)), dropping));

        pipeline.serve(exchange(query));
        pipeline.serve(exchange(query));

        assertThat(upstream[0]).as("the second query finds the claim released and refreshes").isEqualTo(2);
        int answered = answersSent();
        assertThat(answered).as("both clients answered from the entry, not waiting for the refresh").isEqualTo(2);
    }

    @Test
    void aRefreshThatFailsAfterItsEntryWasReplacedIsNoHitAndItsFlowSaysItFailed() {
        ResponseCache cache = prefetchingCache();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Message query = Wire.query("held.example.com.", Type.A, 1);
        store(cache, query, CacheTest.answer(query, 300));
        clock.addAndGet(20 * SECOND); // 10 s left of 30: due
        List<Exchange> held = new ArrayList<>();
        Stage holding = new Stage() {
            @Override
            public String name() {
                return "holding";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                held.add(exchange); // the refresh waits upstream
            }
        };
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(registry), List.of(loop)), holding));

        pipeline.serve(exchange(query));
        assertThat(held).singleElement().satisfies(e -> assertThat(e.detached()).isTrue());
        double hits = registry.counter("dnsflow.cache.hits", "kind", "success").count();
        store(cache, query, CacheTest.answer(query, 300)); // another query stored a new answer meanwhile
        Exchange refresh = held.get(0);
        refresh.facts().addAttempt(new Attempt("10.0.0.1:53", Transport.UDP, 9, 0, 1_000,
                AttemptOutcome.ANSWERED));
        refresh.respondError(Responses.SERVFAIL, Outcome.SERVFAIL);

        assertThat(registry.counter("dnsflow.cache.hits", "kind", "success").count()).as("no hit for no client")
                .isEqualTo(hits);
        assertThat(registry.counter("dnsflow.cache.stale").count()).isZero();
        assertThat(flows).hasSize(2);
        assertThat(flows.get(0).get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.PREFETCH);
        Flow flow = flows.get(1);
        assertThat(flow.get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.REFRESH);
        assertThat(CacheMark.background(flow)).isTrue();
        assertThat(CacheMark.background(flows.get(0))).isFalse();
        assertThat(flow.outcome()).isEqualTo(Outcome.SERVFAIL);
        assertThat(flow.attempts()).hasSize(1);
        int answered = answersSent();
        assertThat(answered).as("only the client's answer went out").isEqualTo(1);
    }

    @Test
    void aRefreshWhoseStageThrowsRecordsAFailedRefreshFlow() {
        ResponseCache cache = prefetchingCache();
        Message query = Wire.query("throw.example.com.", Type.A, 1);
        store(cache, query, CacheTest.answer(query, 300));
        clock.addAndGet(20 * SECOND);
        Stage throwing = new Stage() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                throw new IllegalStateException("test");
            }
        };
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(new SimpleMeterRegistry()),
                List.of(loop)), throwing));

        pipeline.serve(exchange(query));

        assertThat(flows).hasSize(2);
        assertThat(flows.get(1).get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.REFRESH);
        assertThat(flows.get(1).outcome()).isEqualTo(Outcome.SERVFAIL);
        ByteBuf q = Wire.buf(query);
        assertThat(cache.get(CacheKey.of(q, parse(q))).refreshing()).as("its claim released").isFalse();
        answersSent();
    }

    @Test
    void aHitsFlowSummaryFromTheEntryIsTheOneAFreshParseOfTheAnswerSentGives() throws Exception {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults(), null, clock::get);
        Message query = Wire.ednsQuery("www.example.com.", Type.A, 7, 1232, true);
        Message answer = Wire.answer(query, "192.0.2.1", "192.0.2.2");
        answer.addRecord(new CNAMERecord(Name.fromString("www.example.com."), DClass.IN, 60,
                Name.fromString("alias.example.com.")), Section.ANSWER);
        answer.addRecord(new AAAARecord(Name.fromString("www.example.com."), DClass.IN, 60,
                java.net.InetAddress.getByName("2001:db8::1")), Section.ANSWER);
        store(cache, query, answer);
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(new SimpleMeterRegistry()),
                List.of(loop)), unreachable()));

        pipeline.serve(exchange(Wire.ednsQuery("WWW.Example.COM.", Type.A, 8, 1232, true)));

        Flow flow = sentAndRecorded(parse(Wire.buf(query)).questionEnd());
        assertThat(flow.response().addresses()).containsExactly("192.0.2.1", "192.0.2.2", "2001:db8::1");
        ByteBuf q = Wire.buf(query);
        assertThat(flow.response().rawAddresses()).as("the entry's, not parsed again")
                .isSameAs(cache.get(CacheKey.of(q, parse(q))).addresses());
    }

    @Test
    void aHitsFlowNamesTheQuestionAsAskedTakingTheEntrysTextOnlyForALowerCaseName() {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults(), null, clock::get);
        Message query = Wire.query("name.example.com.", Type.A, 1);
        store(cache, query, Wire.answer(query, "192.0.2.1"));
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(new SimpleMeterRegistry()),
                List.of(loop)), unreachable()));
        ByteBuf q = Wire.buf(query);
        CachedAnswer entry = cache.get(CacheKey.of(q, parse(q)));

        pipeline.serve(exchange(Wire.query("name.example.com.", Type.A, 2)));
        Flow lower = sentAndRecorded(parse(q).questionEnd());
        flows.clear();
        pipeline.serve(exchange(Wire.query("Name.EXAMPLE.com.", Type.A, 3)));
        Flow mixed = sentAndRecorded(parse(q).questionEnd());

        assertThat(lower.query().name()).isEqualTo("name.example.com.").isSameAs(entry.nameText());
        assertThat(mixed.query().name()).isEqualTo("Name.EXAMPLE.com.");
    }

    @Test
    void aHitCutOnItsWayBackIsSummarisedAsItWasSent() {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults(), null, clock::get);
        Message query = Wire.query("cut.example.com.", Type.A, 1);
        store(cache, query, Wire.answer(query, "192.0.2.1"));
        Stage cutting = new Stage() {
            @Override
            public String name() {
                return "cutting";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                next.serve(exchange);
            }

            @Override
            public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
                Responses.truncate(response, exchange.parsed().questionEnd());
                back.answer(exchange, response, outcome);
            }
        };
        Pipeline pipeline = new Pipeline(List.of(cutting, new CacheStage(cache,
                new CacheMetrics(new SimpleMeterRegistry()), List.of(loop)), unreachable()));

        pipeline.serve(exchange(query));

        Flow flow = sentAndRecorded(parse(Wire.buf(query)).questionEnd());
        assertThat(flow.response().truncated()).isTrue();
        assertThat(flow.response().answers()).isZero();
        assertThat(flow.response().addresses()).isEmpty();
    }

    /** A cache that prefetches an entry asked once, once 50 % of its TTL is left. */
    private ResponseCache prefetchingCache() {
        return new ResponseCache(CacheOptions.defaults().withPrefetch(new CacheOptions.Prefetch(1, Duration.ofMinutes(1), 50)),
                null, clock::get);
    }

    /** How many answers went out to clients (flushed, read and released). */
    private int answersSent() {
        loop.flusher().flush();
        int answered = 0;
        for (Object out; (out = channel.readOutbound()) != null; answered++) {
            ReferenceCountUtil.release(out);
        }
        return answered;
    }

    private static void store(ResponseCache cache, Message query, Message answer) {
        ByteBuf q = Wire.buf(query);
        assertThat(cache.store(CacheKey.of(q, parse(q)), Unpooled.wrappedBuffer(answer.toWire()))).isNotNull();
    }

    private static Stage unreachable() {
        return new Stage() {
            @Override
            public String name() {
                return "upstream";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                throw new AssertionError("a hit went upstream");
            }
        };
    }

    /**
     * The one answer sent and the one flow recorded, whose summary must be what parsing the answer sent gives, to
     * the byte in JSON.
     */
    private Flow sentAndRecorded(int questionEnd) {
        loop.flusher().flush();
        ByteBuf sent = channel.readOutbound();
        try {
            assertThat(flows).hasSize(1);
            Flow flow = flows.get(0);
            assertThat(flow.get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.HIT);
            FlowResponse fresh = ResponseReader.summarize(sent, questionEnd);
            FlowResponse got = flow.response();
            assertThat(List.of(got.rcode(), got.answers(), got.size(), got.truncated()))
                    .isEqualTo(List.of(fresh.rcode(), fresh.answers(), fresh.size(), fresh.truncated()));
            assertThat(got.rawAddresses()).isEqualTo(fresh.rawAddresses());
            Flow reparsed = new Flow(flow.id(), flow.timeEpochNanos(), flow.client(), flow.query(), flow.attempts(), fresh,
                    flow.durationMicros(), flow.outcome(), flow.chaos(), flow.origin(), flow.names(), flow.extensions());
            assertThat(FlowJson.toJson(flow)).isEqualTo(FlowJson.toJson(reparsed));
            return flow;
        } finally {
            sent.release();
        }
    }

    private Exchange exchange(Message query) {
        ByteBuf bytes = Wire.buf(query);
        return new Exchange(loop, channel, new InetSocketAddress("127.0.0.1", 5000), Transport.TCP, bytes,
                parse(bytes), System.nanoTime(), null);
    }

    private static ParsedQuery parse(ByteBuf bytes) {
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(bytes, parsed);
        return parsed;
    }
}
