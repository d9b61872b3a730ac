package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.context.ContextCodes;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.NSIDOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cache in a running proxy in front of a scripted upstream. Time in the cache is a hand-moved ticker (the
 * test plugin hands it to the shared {@link ResponseCache}); nothing here waits for the wall clock to pass.
 */
class CacheTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final ScriptedUpstream upstream;
    private DnsProxy proxy;
    private ResponseCache cache;

    CacheTest() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> answer(q, 300)));
    }

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    @Test
    void aSecondQueryIsAnsweredFromCacheWithTheClientsIdAndCaseAndNoUpstreamAttempt() throws Exception {
        start(Map.of());

        Message first = ask(Wire.query("www.example.com.", Type.A, 1));
        Message second = ask(Wire.query("WwW.ExAmPlE.cOm.", Type.A, 4242));

        assertThat(first.getSection(Section.ANSWER)).hasSize(1);
        assertThat(second.getHeader().getID()).isEqualTo(4242);
        assertThat(second.getQuestion().getName().toString()).isEqualTo("WwW.ExAmPlE.cOm.");
        assertThat(second.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.0.2.1");
        assertThat(upstreamSaw("www.example.com.")).isEqualTo(1);
        Flow hit = last();
        assertThat(hit.get(CacheMark.KEY)).isEqualTo(new CacheMark(CacheMark.Result.HIT, 30));
        assertThat(hit.attempts()).isEmpty();
        assertThat(proxy.chain()).containsSubsequence("chaos", "cache", "forward");
        assertThat(scrape()).contains("dnsflow_cache_hits_total{kind=\"success\"} 1.0")
                .contains("dnsflow_cache_misses_total 1.0").contains("dnsflow_cache_entries{kind=\"success\"} 1.0");
    }

    @Test
    void withoutTheFlagThereIsNoCacheStageAndEveryQueryGoesUpstream() throws Exception {
        proxy = DnsProxy.start(config(UnaryOperator.identity()).build());
        ask(Wire.query("a.example.com.", Type.A, 1));
        ask(Wire.query("a.example.com.", Type.A, 2));
        assertThat(proxy.chain()).doesNotContain("cache");
        assertThat(upstreamSaw("a.example.com.")).isEqualTo(2);
        assertThat(scrape()).doesNotContain("dnsflow_cache_");
    }

    @Test
    void metricsAreThereAtZeroBeforeAnyQuery() throws Exception {
        start(Map.of());
        assertThat(scrape()).contains("dnsflow_cache_hits_total{kind=\"success\"} 0.0",
                "dnsflow_cache_hits_total{kind=\"denial\"} 0.0", "dnsflow_cache_misses_total 0.0",
                "dnsflow_cache_entries{kind=\"denial\"} 0.0", "dnsflow_cache_evictions_total 0.0",
                "dnsflow_cache_prefetch_total 0.0", "dnsflow_cache_stale_total 0.0");
    }

    @Test
    void ttlsGoDownByTheWholeSecondsSpentInCacheUpToTheCapThenTheEntryExpires() throws Exception {
        start(Map.of());
        assertThat(ask(Wire.query("t.example.com.", Type.A, 1)).getSection(Section.ANSWER).get(0).getTTL())
                .as("the upstream's answer goes to the client unchanged").isEqualTo(300);

        advance(10_500);
        assertThat(ttl(ask(Wire.query("t.example.com.", Type.A, 2)))).isEqualTo(20); // capped at 30, 10 s gone
        advance(19_000);
        assertThat(ttl(ask(Wire.query("t.example.com.", Type.A, 3)))).isEqualTo(1);
        assertThat(upstreamSaw("t.example.com.")).isEqualTo(1);

        advance(500); // 30 s since stored: expired
        ask(Wire.query("t.example.com.", Type.A, 4));
        assertThat(upstreamSaw("t.example.com.")).isEqualTo(2);
        assertThat(last().get(CacheMark.KEY)).isEqualTo(CacheMark.MISS);
    }

    @Test
    void aShortTtlIsKeptFiveSeconds() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> answer(q, 1)));
        start(Map.of());
        ask(Wire.query("short.example.com.", Type.A, 1));
        advance(4_900);
        assertThat(ttl(ask(Wire.query("short.example.com.", Type.A, 2)))).isEqualTo(1);
        advance(100);
        ask(Wire.query("short.example.com.", Type.A, 3));
        assertThat(upstreamSaw("short.example.com.")).isEqualTo(2);
    }

    @Test
    void nxdomainIsKeptForTheSoaMinimumWhenSmallerThanTheSoaTtl() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> negative(q, Rcode.NXDOMAIN, 300, 20)));
        start(Map.of("--cache-denial", "100:60s"));
        ask(Wire.query("nope.example.com.", Type.A, 1));
        advance(19_900);
        Message cached = ask(Wire.query("nope.example.com.", Type.A, 2));
        assertThat(cached.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(cached.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(1);
        advance(100);
        ask(Wire.query("nope.example.com.", Type.A, 3));
        assertThat(upstreamSaw("nope.example.com.")).isEqualTo(2);
        assertThat(scrape()).contains("dnsflow_cache_hits_total{kind=\"denial\"} 1.0");
    }

    @Test
    void nodataIsCachedByItsSoaButNotWithoutOne() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> q.getQuestion().getName().toString().startsWith("soa")
                ? negative(q, Rcode.NOERROR, 10, 3600) : Wire.answer(q)));
        start(Map.of());
        for (int i = 0; i < 2; i++) {
            ask(Wire.query("soa.example.com.", Type.AAAA, 1 + i));
            ask(Wire.query("nosoa.example.com.", Type.AAAA, 1 + i));
        }
        assertThat(upstreamSaw("soa.example.com.")).isEqualTo(1);
        assertThat(upstreamSaw("nosoa.example.com.")).as("RFC 2308: no SOA, not cached").isEqualTo(2);
    }

    @Test
    void servfailIsCachedFiveSeconds() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q);
            m.getHeader().setRcode(Rcode.SERVFAIL);
            return m;
        }));
        start(Map.of());
        ask(Wire.query("broken.example.com.", Type.A, 1));
        advance(4_900);
        assertThat(ask(Wire.query("broken.example.com.", Type.A, 2)).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(upstreamSaw("broken.example.com.")).isEqualTo(1);
        advance(100);
        ask(Wire.query("broken.example.com.", Type.A, 3));
        assertThat(upstreamSaw("broken.example.com.")).isEqualTo(2);
    }

    @Test
    void aTruncatedAnswerIsNeverCached() throws Exception {
        upstream.script((q, reply) -> {
            Message m = answer(q.message(), 300);
            if (!q.tcp()) {
                m.getHeader().setFlag(org.xbill.DNS.Flags.TC);
                m.removeAllRecords(Section.ANSWER);
            }
            reply.send(m);
        });
        start(Map.of(), b -> b.forward(ForwardOptions.defaults().toBuilder().tcpOnTruncation(false).build()));
        for (int i = 0; i < 2; i++) {
            assertThat(ask(Wire.query("big.example.com.", Type.A, 1 + i)).getHeader().getFlag(org.xbill.DNS.Flags.TC)).isTrue();
        }
        assertThat(upstreamSaw("big.example.com.")).isEqualTo(2);
    }

    @Test
    void anAnswerToAQueryCarryingEcsUpstreamIsNeverCached() throws Exception {
        start(Map.of(), b -> b.context(ContextCodes.DEFAULT, true, null));
        for (int i = 0; i < 2; i++) {
            Message q = Wire.query("geo.example.com.", Type.A, 1 + i);
            q.addRecord(new OPTRecord(1232, 0, 0, 0,
                    List.of(new ClientSubnetOption(24, InetAddress.getByName("198.51.100.0")))), Section.ADDITIONAL);
            ask(q);
        }
        assertThat(upstreamSaw("geo.example.com.")).isEqualTo(2);
        assertThat(last().get(CacheMark.KEY)).as("the cache did not take part").isNull();
    }

    @Test
    void theDoAndCdBitsKeySeparateEntries() throws Exception {
        start(Map.of());
        Message plain = Wire.ednsQuery("sec.example.com.", Type.A, 1, 1232, false);
        Message dnssecOk = Wire.ednsQuery("sec.example.com.", Type.A, 2, 1232, true);
        Message cd = Wire.ednsQuery("sec.example.com.", Type.A, 3, 1232, false);
        cd.getHeader().setFlag(org.xbill.DNS.Flags.CD);
        for (Message q : List.of(plain, dnssecOk, cd, plain, dnssecOk, cd)) {
            ask(q);
        }
        assertThat(upstreamSaw("sec.example.com.")).isEqualTo(3);
    }

    @Test
    void aPopularEntryNearExpiryIsRefreshedByTheQueryThatFindsItDue() throws Exception {
        start(Map.of("--cache-prefetch", "2:1m:10%"));
        ask(Wire.query("hot.example.com.", Type.A, 1)); // miss: stored for 30 s
        advance(1_000);
        ask(Wire.query("hot.example.com.", Type.A, 2));
        advance(1_000);
        ask(Wire.query("hot.example.com.", Type.A, 3)); // popular now, but 28 s left
        assertThat(upstreamSaw("hot.example.com.")).isEqualTo(1);

        advance(25_500); // 2 s left: within 10 % (3 s)
        upstream.script((q, reply) -> { // a slow upstream: nobody waits for it
            Thread.sleep(300);
            reply.send(answer(q.message(), 300));
        });
        long asked = System.nanoTime();
        assertThat(ttl(ask(Wire.query("hot.example.com.", Type.A, 4)))).as("answered from the entry").isEqualTo(3);
        assertThat(System.nanoTime() - asked).as("without waiting for the upstream").isLessThan(250_000_000L);
        awaitRefreshed("hot.example.com.");
        assertThat(upstreamSaw("hot.example.com.")).isEqualTo(2);
        Flow prefetch = awaitFlow(f -> f.query().id() == 4 && f.attempts().isEmpty());
        assertThat(prefetch.get(CacheMark.KEY)).isEqualTo(new CacheMark(CacheMark.Result.PREFETCH, 3));
        assertThat(prefetch.attempts()).as("the refresh is not the client's").isEmpty();
        // The refresh is a flow of its own: it went upstream, and its ID is the one any later hop was told.
        Flow refresh = awaitFlow(f -> "hot.example.com.".equals(f.query().name()) && !f.attempts().isEmpty()
                && f.get(CacheMark.KEY) != null && f.get(CacheMark.KEY).result() == CacheMark.Result.REFRESH);
        assertThat(refresh.id()).isNotEqualTo(prefetch.id());
        assertThat(refresh.get(CacheMark.KEY)).isEqualTo(new CacheMark(CacheMark.Result.REFRESH, 3));
        assertThat(refresh.attempts()).singleElement().satisfies(a -> assertThat(a.outcome()).isEqualTo(AttemptOutcome.ANSWERED));
        assertThat(refresh.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(refresh.response().rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(refresh.client().ip()).as("the client whose query caused it").isEqualTo(prefetch.client().ip());

        advance(2_000); // past the old entry's expiry: the refreshed one answers
        assertThat(ttl(ask(Wire.query("hot.example.com.", Type.A, 5)))).isEqualTo(28);
        assertThat(upstreamSaw("hot.example.com.")).isEqualTo(2);
        assertThat(scrape()).contains("dnsflow_cache_prefetch_total 1.0");
    }

    @Test
    void aPrefetchingHitCountsItsNameOnceInTheNameMetrics() throws Exception {
        start(Map.of("--cache-prefetch", "1:1m:50%"), b -> b.metricsNameCap(10));
        ask(Wire.query("named.example.com.", Type.A, 1)); // miss: one client query
        advance(20_000); // 10 s left of 30: due
        ask(Wire.query("named.example.com.", Type.A, 2)); // prefetch: one client query, and a refresh that is none
        awaitRefreshed("named.example.com.");
        awaitFlow(f -> f.get(CacheMark.KEY) != null && f.get(CacheMark.KEY).result() == CacheMark.Result.REFRESH);
        proxy.recorder().drain(2000);

        assertThat(scrape()).contains("dnsflow_queries_by_name_total{name=\"named.example.com.\"} 2.0");
    }

    @Test
    void aPrefetchThatFailsStillAnswersFromTheEntry() throws Exception {
        start(Map.of("--cache-prefetch", "1:1m:50%"), fastTimeouts());
        ask(Wire.query("flaky.example.com.", Type.A, 1));
        upstream.script(ScriptedUpstream.silent());
        advance(20_000);
        Message answer = ask(Wire.query("flaky.example.com.", Type.A, 2));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(ttl(answer)).isEqualTo(10);
        awaitRefreshed("flaky.example.com.");
        assertThat(upstreamSaw("flaky.example.com.")).isGreaterThan(1);
        assertThat(ttl(ask(Wire.query("flaky.example.com.", Type.A, 3)))).as("the entry holds").isEqualTo(10);
    }

    @Test
    void anExpiredEntryAnswersWhenEveryUpstreamAttemptFailsWithinTheServeStaleWindow() throws Exception {
        start(Map.of("--serve-stale", "1m"), fastTimeouts());
        ask(Wire.query("old.example.com.", Type.A, 1));
        upstream.script(ScriptedUpstream.silent());

        advance(40_000); // expired 10 s ago
        Message stale = ask(Wire.query("old.example.com.", Type.A, 2));
        assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(stale.getHeader().getID()).isEqualTo(2);
        assertThat(ttl(stale)).isEqualTo(30);
        Flow flow = last();
        assertThat(flow.get(CacheMark.KEY)).isEqualTo(new CacheMark(CacheMark.Result.STALE, 30));
        assertThat(flow.attempts()).isNotEmpty();
        assertThat(scrape()).contains("dnsflow_cache_stale_total 1.0");

        advance(60_000); // past the window
        assertThat(ask(Wire.query("old.example.com.", Type.A, 3)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void withoutServeStaleAnExpiredEntryDoesNotAnswer() throws Exception {
        start(Map.of(), fastTimeouts());
        ask(Wire.query("gone.example.com.", Type.A, 1));
        upstream.script(ScriptedUpstream.silent());
        advance(31_000);
        assertThat(ask(Wire.query("gone.example.com.", Type.A, 2)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void eachPartKeepsToItsCapacityAndCountsEvictions() throws Exception {
        start(Map.of("--cache-success", "8:30s"));
        for (int i = 0; i < 40; i++) {
            ask(Wire.query("n" + i + ".example.com.", Type.A, i));
        }
        cache.cleanUp();
        assertThat(cache.size(CachedAnswer.Kind.SUCCESS)).isLessThanOrEqualTo(8);
        String scrape = scrape();
        assertThat(scrape).contains("dnsflow_cache_entries{kind=\"success\"} " + cache.size(CachedAnswer.Kind.SUCCESS) + ".0");
        assertThat(evictions(scrape)).isGreaterThanOrEqualTo(32);
    }

    @Test
    void aHitOverTcpCarriesTheIdOfEachQueryOnTheConnection() throws Exception {
        start(Map.of());
        try (DnsClient.Tcp tcp = new DnsClient.Tcp(proxy.address())) {
            tcp.send(Wire.query("tcp.example.com.", Type.A, 11).toWire());
            assertThat(tcp.read().getHeader().getID()).isEqualTo(11);
            tcp.send(Wire.query("tcp.example.com.", Type.A, 12).toWire());
            Message hit = tcp.read();
            assertThat(hit.getHeader().getID()).isEqualTo(12);
            assertThat(hit.getSection(Section.ANSWER)).hasSize(1);
        }
        assertThat(upstreamSaw("tcp.example.com.")).isEqualTo(1);
    }

    @Test
    void aCachedAnswerTooLargeForAUdpClientIsTruncatedAndTheTcpRetryIsAHit() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q);
            for (int i = 0; i < 40; i++) {
                try {
                    m.addRecord(new ARecord(q.getQuestion().getName(), DClass.IN, 300,
                            InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i})), Section.ANSWER);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return m;
        }));
        start(Map.of());
        Message big = Wire.ednsQuery("big.example.com.", Type.A, 1, 4096, false);
        assertThat(ask(big).getSection(Section.ANSWER)).hasSize(40);
        Message small = ask(Wire.query("big.example.com.", Type.A, 2)); // no EDNS: 512 bytes at most
        assertThat(small.getHeader().getFlag(org.xbill.DNS.Flags.TC)).isTrue();
        try (DnsClient.Tcp tcp = new DnsClient.Tcp(proxy.address())) {
            tcp.send(Wire.query("big.example.com.", Type.A, 3).toWire());
            assertThat(tcp.read().getSection(Section.ANSWER)).hasSize(40);
        }
        assertThat(upstreamSaw("big.example.com.")).as("the DO-less keys are the same entry").isEqualTo(1);
    }

    @Test
    void withMinimalResponsesAHitIsTrimmedLikeAnAnswerFromUpstream() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = answer(q, 300);
            m.addRecord(new org.xbill.DNS.NSRecord(Name.fromConstantString("example.com."), DClass.IN, 300,
                    Name.fromConstantString("ns.example.com.")), Section.AUTHORITY);
            return m;
        }));
        start(Map.of("--minimal-responses", "true"));
        assertThat(ask(Wire.query("min.example.com.", Type.A, 1)).getSection(Section.AUTHORITY)).isEmpty();
        Message hit = ask(Wire.query("min.example.com.", Type.A, 2));
        assertThat(hit.getSection(Section.AUTHORITY)).isEmpty();
        assertThat(hit.getSection(Section.ANSWER)).hasSize(1);
        assertThat(last().get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.HIT);
    }

    @Test
    void aHitCarriesAnOptOfItsOwnExactlyWhenTheClientSentOneNeverTheUpstreams() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = answer(q, 300);
            OPTRecord asked = q.getOPT();
            if (asked != null) { // echoes the client's COOKIE with a server cookie, pads, names itself
                m.addRecord(new OPTRecord(4096, 0, 0, asked.getFlags(), List.of(
                        new CookieOption(new byte[] {1, 1, 1, 1, 1, 1, 1, 1}, new byte[] {2, 2, 2, 2, 2, 2, 2, 2}),
                        new NSIDOption(new byte[] {'u', 'p'}), new GenericEDNSOption(12, new byte[32]))), Section.ADDITIONAL);
            }
            return m;
        }));
        start(Map.of());
        Message a = Wire.query("opt.example.com.", Type.A, 1);
        a.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new CookieOption(new byte[] {1, 1, 1, 1, 1, 1, 1, 1}))), Section.ADDITIONAL);
        assertThat(ask(a).getOPT().getOptions()).as("the upstream's answer goes to its own client as is").hasSize(3);

        Message b = ask(Wire.ednsQuery("opt.example.com.", Type.A, 2, 4096, false));
        assertThat(last().get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.HIT);
        OPTRecord opt = b.getOPT();
        assertThat(opt).isNotNull();
        assertThat(opt.getOptions()).as("no COOKIE of A's, no padding, no NSID").isEmpty();
        assertThat(opt.getPayloadSize()).isEqualTo(CachedAnswer.UDP_SIZE);
        assertThat(opt.getExtendedRcode()).isZero();
        assertThat(b.getSection(Section.ADDITIONAL)).hasSize(1);

        Message c = ask(Wire.query("opt.example.com.", Type.A, 3));
        assertThat(c.getOPT()).as("RFC 6891 7: no OPT to a query without one").isNull();
        assertThat(c.getHeader().getCount(Section.ADDITIONAL)).isZero();

        ask(Wire.query("plain.example.com.", Type.A, 4)); // stored from an answer without OPT
        Message d = ask(Wire.ednsQuery("plain.example.com.", Type.A, 5, 1232, false));
        assertThat(d.getOPT()).as("an EDNS client gets one all the same").isNotNull();
        assertThat(upstreamSaw("opt.example.com.")).isEqualTo(1);
        assertThat(upstreamSaw("plain.example.com.")).isEqualTo(1);
    }

    @Test
    void rdIsKeyedAndTakenFromTheClientAndAdGoesOnlyToClientsThatSentDoOrAd() throws Exception {
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = answer(q, 300);
            if (!q.getHeader().getFlag(org.xbill.DNS.Flags.RD)) {
                m.getHeader().unsetFlag(org.xbill.DNS.Flags.RD);
            }
            m.getHeader().setFlag(org.xbill.DNS.Flags.AD);
            return m;
        }));
        start(Map.of());
        Message noRecursion = Wire.query("rd.example.com.", Type.A, 1);
        noRecursion.getHeader().unsetFlag(org.xbill.DNS.Flags.RD);
        ask(noRecursion);
        Message recursive = ask(Wire.query("rd.example.com.", Type.A, 2));
        assertThat(recursive.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isTrue();
        assertThat(upstreamSaw("rd.example.com.")).as("RD=0 and RD=1 are separate entries").isEqualTo(2);

        Message hit = ask(Wire.query("rd.example.com.", Type.A, 3));
        assertThat(last().get(CacheMark.KEY).result()).isEqualTo(CacheMark.Result.HIT);
        assertThat(hit.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isTrue();
        assertThat(hit.getHeader().getFlag(org.xbill.DNS.Flags.AD)).as("RFC 6840 5.8: neither DO nor AD asked").isFalse();
        Message adQuery = Wire.query("rd.example.com.", Type.A, 4);
        adQuery.getHeader().setFlag(org.xbill.DNS.Flags.AD);
        assertThat(ask(adQuery).getHeader().getFlag(org.xbill.DNS.Flags.AD)).isTrue();
        assertThat(upstreamSaw("rd.example.com.")).isEqualTo(2);
    }

    @Test
    void aPrefetchWhoseAnswerIsNotStorableGivesTheClientTheEntryAndKeepsIt() throws Exception {
        start(Map.of("--cache-prefetch", "1:1m:50%"));
        ask(Wire.query("refused.example.com.", Type.A, 1));
        upstream.script(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q);
            m.getHeader().setRcode(Rcode.REFUSED);
            return m;
        }));
        advance(20_000); // 10 s left of 30: due
        Message answer = ask(Wire.query("refused.example.com.", Type.A, 2));
        assertThat(awaitFlow(f -> f.query().id() == 2 && f.attempts().isEmpty()).get(CacheMark.KEY).result())
                .as("the client's flow; its refresh has the same ID").isEqualTo(CacheMark.Result.PREFETCH);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(ttl(answer)).isEqualTo(10);
        awaitRefreshed("refused.example.com.");
        assertThat(upstreamSaw("refused.example.com.")).isGreaterThanOrEqualTo(2);
        assertThat(ask(Wire.query("refused.example.com.", Type.A, 3)).getRcode()).as("the entry is still there")
                .isEqualTo(Rcode.NOERROR);
    }

    @Test
    void aMissWhoseUpstreamFailsAnsweredFromAnEntryStoredMeanwhileIsAHit() throws Exception {
        upstream.script((q, reply) -> {
            if (upstream.received().get(0) == q) { // the first query's answer comes late; the rest get none
                Thread.sleep(60);
                reply.send(answer(q.message(), 300));
            }
        });
        // the second query's attempts must outlast the first's late answer even on a loaded machine: a 1 s deadline
        start(Map.of(), b -> b.forward(ForwardOptions.defaults().toBuilder()
                .timeouts(Duration.ofMillis(250), Duration.ofMillis(1000)).build()));
        java.util.concurrent.CompletableFuture<Message> first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> ask(Wire.query("race.example.com.", Type.A, 1)));
        while (upstreamSaw("race.example.com.") == 0) {
            Thread.sleep(1);
        }
        Message second = ask(Wire.query("race.example.com.", Type.A, 2)); // a miss too: nothing stored yet
        assertThat(first.get().getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(second.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(second.getHeader().getID()).isEqualTo(2);
        proxy.recorder().drain(2000);
        Flow flow = proxy.ring().newest(1, f -> f.query().id() == 2).get(0);
        assertThat(flow.get(CacheMark.KEY)).isEqualTo(new CacheMark(CacheMark.Result.HIT, 30));
        assertThat(scrape()).contains("dnsflow_cache_hits_total{kind=\"success\"} 1.0");
    }

    @Test
    void badFlagValuesAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> CachePlugin.SUCCESS.valueOf("lots")).hasMessageStartingWith("--cache-success: ");
        assertThatThrownBy(() -> CachePlugin.DENIAL.valueOf("0:5s")).hasMessageStartingWith("--cache-denial: ");
        assertThatThrownBy(() -> CachePlugin.DENIAL.valueOf("10:0s")).hasMessageStartingWith("--cache-denial: ");
        assertThatThrownBy(() -> CachePlugin.PREFETCH.valueOf("2:1m:95%")).hasMessageStartingWith("--cache-prefetch: ");
        assertThatThrownBy(() -> CachePlugin.PREFETCH.valueOf("x")).hasMessageStartingWith("--cache-prefetch: ");
        assertThatThrownBy(() -> CachePlugin.SERVE_STALE.valueOf("soon")).hasMessageStartingWith("--serve-stale: ");
        assertThat(CachePlugin.PREFETCH.valueOf(CachePlugin.PREFETCH.bareValue()))
                .isEqualTo(new CacheOptions.Prefetch(10, Duration.ofMinutes(1), 10));
        assertThat(CachePlugin.PREFETCH.valueOf("5")).isEqualTo(new CacheOptions.Prefetch(5, Duration.ofMinutes(1), 10));
        assertThat(CachePlugin.PREFETCH.valueOf(CachePlugin.PREFETCH.defaultValue())).isNull();
        assertThat(CachePlugin.SUCCESS.valueOf(CachePlugin.SUCCESS.defaultValue())).isEqualTo(new CacheOptions.Part(9984, 30));
        assertThat(CachePlugin.SERVE_STALE.valueOf(CachePlugin.SERVE_STALE.defaultValue())).isZero();
        assertThat(CachePlugin.FLAG).isEqualTo(CachePlugin.CACHE.name());
    }

    // ---- helpers

    private void start(Map<String, String> flags) {
        start(flags, UnaryOperator.identity());
    }

    private void start(Map<String, String> flags, UnaryOperator<ProxyConfig.Builder> more) {
        Map<String, String> all = new HashMap<>(flags);
        all.put(CachePlugin.FLAG, "true");
        Plugin handClock = new Plugin() {
            @Override
            public String name() {
                return "test-clock";
            }

            @Override
            public void setup(Plan plan) {
                cache = plan.shared(ResponseCache.class);
                cache.ticker(clock::get);
            }
        };
        proxy = DnsProxy.start(more.apply(config(b -> b.flags(Flags.of(all)))).build(), ProxyMetrics.prometheus(),
                List.of(handClock));
    }

    private ProxyConfig.Builder config(Function<ProxyConfig.Builder, ProxyConfig.Builder> f) {
        return f.apply(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address())).eventLoops(1));
    }

    private static UnaryOperator<ProxyConfig.Builder> fastTimeouts() {
        return b -> b.forward(ForwardOptions.defaults().toBuilder()
                .timeouts(Duration.ofMillis(100), Duration.ofMillis(300)).build());
    }

    /** Waits until no refresh of the A entry for {@code name} is under way (it runs in the background). */
    private void awaitRefreshed(String name) throws InterruptedException {
        ByteBuf q = Unpooled.wrappedBuffer(Wire.query(name, Type.A, 1).toWire());
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(q, parsed);
        CacheKey key = CacheKey.of(q, parsed);
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (upstreamSaw(name) < 2 || cache.get(key) != null && cache.get(key).refreshing()) {
            assertThat(System.nanoTime()).as("refresh of " + name + " done in time").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private void advance(long millis) {
        clock.addAndGet(millis * 1_000_000L);
    }

    private Message ask(Message query) {
        return DnsClient.udp(proxy.address(), query.toWire(), 3000);
    }

    /** The newest flow matching {@code which}, waited for: a background refresh's flow comes when its answer does. */
    private Flow awaitFlow(java.util.function.Predicate<Flow> which) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            proxy.recorder().drain(2000);
            List<Flow> found = proxy.ring().newest(1, which);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no such flow among " + proxy.ring().newest(20, f -> true));
    }

    private Flow last() {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(1, f -> true).get(0);
    }

    private String scrape() {
        return proxy.metrics().scrape();
    }

    private static double evictions(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("dnsflow_cache_evictions_total ")).mapToDouble(l ->
                Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private int upstreamSaw(String name) {
        return (int) upstream.received().stream()
                .filter(r -> r.message().getQuestion().getName().toString().equalsIgnoreCase(name)).count();
    }

    private static long ttl(Message m) {
        return m.getSection(Section.ANSWER).get(0).getTTL();
    }

    static Message answer(Message q, long ttl) {
        Message r = Wire.answer(q);
        try {
            r.addRecord(new ARecord(q.getQuestion().getName(), DClass.IN, ttl, InetAddress.getByName("192.0.2.1")),
                    Section.ANSWER);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    static Message negative(Message q, int rcode, long soaTtl, long minimum) {
        Message r = Wire.answer(q);
        r.getHeader().setRcode(rcode);
        try {
            Name zone = Name.fromString("example.com.");
            Record soa = new SOARecord(zone, DClass.IN, soaTtl, Name.fromString("ns.example.com."),
                    Name.fromString("admin.example.com."), 1, 3600, 600, 86400, minimum);
            r.addRecord(soa, Section.AUTHORITY);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return r;
    }
}
