package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.Policy;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The forwarding path end to end, against scripted upstreams that misbehave on demand. */
class ForwardingTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private ScriptedUpstream upstream(ScriptedUpstream.Script script) throws Exception {
        ScriptedUpstream u = ScriptedUpstream.start(script);
        open.add(u);
        return u;
    }

    private static ScriptedUpstream.Script answers(String address) {
        return ScriptedUpstream.answering(q -> Wire.answer(q, address));
    }

    private DnsProxy proxy(UnaryOperator<ForwardOptions.Builder> forward, UnaryOperator<ProxyConfig.Builder> config,
                           ScriptedUpstream... upstreams) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (ScriptedUpstream u : upstreams) {
            addresses.add(u.address());
        }
        ForwardOptions options = forward.apply(ForwardOptions.defaults().toBuilder()
                .timeouts(Duration.ofMillis(300), Duration.ofMillis(900))).build();
        DnsProxy p = DnsProxy.start(config.apply(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), addresses)
                .forward(options).eventLoops(2)).build());
        open.add(p);
        return p;
    }

    private DnsProxy proxy(ScriptedUpstream... upstreams) {
        return proxy(f -> f, c -> c, upstreams);
    }

    private static Flow lastFlow(DnsProxy proxy) {
        proxy.recorder().drain(2000);
        List<Flow> flows = proxy.ring().newest(1, f -> true);
        assertThat(flows).as("a flow was recorded").hasSize(1);
        return flows.get(0);
    }

    @Test
    void relaysTheAnswerWithTheClientsIdAndRecordsBothIds() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 4242));

        assertThat(answer.getHeader().getID()).isEqualTo(4242);
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        int idUpstreamSaw = up.received().get(0).message().getHeader().getID();
        Flow flow = lastFlow(proxy);
        assertThat(flow.query().id()).isEqualTo(4242);
        assertThat(flow.query().name()).isEqualTo("example.com.");
        assertThat(flow.attempts()).hasSize(1);
        assertThat(flow.attempts().get(0).id()).isEqualTo(idUpstreamSaw);
        assertThat(flow.attempts().get(0).upstream()).isEqualTo("127.0.0.1:" + up.address().getPort());
        assertThat(flow.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ANSWERED);
        assertThat(flow.response().addresses()).containsExactly("192.0.2.1");
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.client().transport()).isEqualTo(Transport.UDP);
    }

    @Test
    void forwardsEveryByteButTheId() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(up);
        byte[] sent = Wire.ednsQuery("Mixed.Case.example.com.", Type.TXT, 7, 1232, true).toWire();

        DnsClient.udp(proxy.address(), sent, 3000);

        byte[] seen = up.received().get(0).bytes();
        assertThat(seen).hasSize(sent.length);
        assertThat(java.util.Arrays.copyOfRange(seen, 2, seen.length)).isEqualTo(java.util.Arrays.copyOfRange(sent, 2, sent.length));
    }

    @Test
    void ignoresRepliesFromAWrongPortWithAWrongIdOrQuestionAndTakesTheRealOne() throws Exception {
        ScriptedUpstream up = upstream((q, reply) -> {
            Message real = Wire.answer(q.message(), "192.0.2.1");
            reply.sendFromOtherPort(Wire.answer(q.message(), "6.6.6.6").toWire());
            Message wrongId = Wire.answer(q.message(), "6.6.6.7");
            wrongId.getHeader().setID(q.message().getHeader().getID() ^ 0x5555);
            reply.send(wrongId);
            reply.send(Wire.answer(Wire.query("evil.example.", Type.A, q.message().getHeader().getID()), "6.6.6.8"));
            Message notResponse = Wire.answer(q.message(), "6.6.6.9");
            notResponse.getHeader().unsetFlag(Flags.QR);
            reply.send(notResponse);
            Thread.sleep(50);
            reply.send(real);
        });
        DnsProxy proxy = proxy(up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 1));

        assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.0.2.1");
        var m = proxy.metrics();
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "wrong_source")).isEqualTo(1.0);
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "unknown_id")).isEqualTo(1.0);
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "question_mismatch")).isEqualTo(1.0);
        assertThat(m.count("dnsflow.upstream.noncompliant", "reason", "not_response")).isEqualTo(1.0);
        assertThat(lastFlow(proxy).attempts()).hasSize(1);
    }

    @Test
    void answersServfailBeforeTheDeadlineWhenTheUpstreamIsSilent() throws Exception {
        ScriptedUpstream dead = upstream(ScriptedUpstream.silent());
        DnsProxy proxy = proxy(dead);

        long start = System.nanoTime();
        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 9));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(answer.getHeader().getID()).isEqualTo(9);
        assertThat(tookMillis).as("SERVFAIL before the 900ms deadline (+ scheduling slack)").isLessThan(1400);
        Flow flow = lastFlow(proxy);
        assertThat(flow.outcome()).isEqualTo(Outcome.SERVFAIL);
        assertThat(flow.attempts()).extracting(a -> a.outcome()).containsOnly(AttemptOutcome.TIMEOUT).hasSizeGreaterThanOrEqualTo(2);
        assertThat(dead.received()).hasSize(flow.attempts().size());
        assertThat(dead.received()).extracting(r -> r.message().getHeader().getID()).doesNotHaveDuplicates();
    }

    /** NSD and others answer a query they cannot parse with FORMERR and no question at all. */
    @Test
    void takesAnUpstreamsQuestionlessFormerrAsItsAnswerNotAsATimeout() throws Exception {
        ScriptedUpstream up = upstream((q, reply) -> {
            int id = q.message().getHeader().getID();
            reply.send(new byte[] {(byte) (id >> 8), (byte) id, (byte) 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0});
        });
        DnsProxy proxy = proxy(f -> f.health(1, Duration.ofSeconds(60)), c -> c, up);

        for (int i = 0; i < 5; i++) {
            Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 4242 + i));
            assertThat(answer.getHeader().getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(answer.getHeader().getID()).isEqualTo(4242 + i);
            assertThat(answer.getQuestion().getName().toString()).as("the question is echoed").isEqualTo("example.com.");
        }

        Flow flow = lastFlow(proxy);
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.response().rcode()).isEqualTo(Rcode.FORMERR);
        assertThat(flow.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(up.received()).as("one attempt per query, no retries").hasSize(5);
        assertThat(proxy.metrics().count("dnsflow.upstream.timeouts")).isZero();
        assertThat(proxy.metrics().count("dnsflow.upstream.noncompliant", "reason", "question_mismatch")).isZero();
        assertThat(proxy.forward().anyHealthy()).as("an upstream that answers is up (max-fails 1)").isTrue();
    }

    @Test
    void stillIgnoresAQuestionlessNoerrorAndWaitsForTheRealAnswer() throws Exception {
        ScriptedUpstream up = upstream((q, reply) -> {
            int id = q.message().getHeader().getID();
            reply.send(new byte[] {(byte) (id >> 8), (byte) id, (byte) 0x81, 0x00, 0, 0, 0, 0, 0, 0, 0, 0});
            reply.send(Wire.answer(q.message(), "192.0.2.1"));
        });
        DnsProxy proxy = proxy(up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 7));

        assertThat(answer.getHeader().getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        assertThat(proxy.metrics().count("dnsflow.upstream.noncompliant", "reason", "question_mismatch")).isEqualTo(1.0);
    }

    /** A rollout is not the upstream's fault: what shutdown cuts short is abandoned, not timed out. */
    @Test
    void aStopThatCutsAnAttemptShortAnswersServfailAndLeavesTheUpstreamsRecordClean() throws Exception {
        ScriptedUpstream up = upstream(ScriptedUpstream.silent());
        DnsProxy proxy = proxy(f -> f.timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)), c -> c, up);
        var answer = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 31).toWire(), 5000));
        while (up.received().isEmpty()) {
            Thread.sleep(10);
        }

        proxy.shutdown(Duration.ofMillis(200));

        assertThat(answer.get().getRcode()).isEqualTo(Rcode.SERVFAIL);
        List<Flow> flows = proxy.ring().newest(10, f -> true);
        assertThat(flows).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Outcome.SERVFAIL);
            assertThat(f.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.ABANDONED);
        });
        assertThat(proxy.metrics().count("dnsflow.upstream.timeouts")).isZero();
        assertThat(proxy.forward().upstreams().get(0).isHealthy()).isTrue();
    }

    @Test
    void failsOverToTheNextUpstreamAndStopsAskingOneThatIsDown() throws Exception {
        ScriptedUpstream dead = upstream(ScriptedUpstream.silent());
        ScriptedUpstream good = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(f -> f.policy(Policy.SEQUENTIAL).health(1, Duration.ofSeconds(60)), c -> c, dead, good);

        Message first = DnsClient.udp(proxy.address(), Wire.query("a.example.com.", Type.A, 1));
        assertThat(first.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(lastFlow(proxy).attempts()).extracting(a -> a.outcome())
                .containsExactly(AttemptOutcome.TIMEOUT, AttemptOutcome.ANSWERED);
        assertThat(proxy.forward().upstreams().get(0).isHealthy()).isFalse();

        Message second = DnsClient.udp(proxy.address(), Wire.query("b.example.com.", Type.A, 2));
        assertThat(second.getRcode()).isEqualTo(Rcode.NOERROR);
        Flow flow = lastFlow(proxy);
        assertThat(flow.attempts()).hasSize(1);
        assertThat(flow.attempts().get(0).upstream()).endsWith(":" + good.address().getPort());
    }

    @Test
    void bringsADownUpstreamBackWhenItAnswersTheHealthProbe() throws Exception {
        ScriptedUpstream flaky = upstream(ScriptedUpstream.silent());
        DnsProxy proxy = proxy(f -> f.health(1, Duration.ofMillis(100)), c -> c, flaky);
        DnsClient.udp(proxy.address(), Wire.query("a.example.com.", Type.A, 1));
        assertThat(proxy.forward().upstreams().get(0).isHealthy()).isFalse();

        flaky.script(ScriptedUpstream.answering(q -> Wire.answer(q)));
        long until = System.currentTimeMillis() + 3000;
        while (!proxy.forward().upstreams().get(0).isHealthy() && System.currentTimeMillis() < until) {
            Thread.sleep(20);
        }
        assertThat(proxy.forward().upstreams().get(0).isHealthy()).isTrue();
        assertThat(flaky.received()).anySatisfy(r -> {
            assertThat(r.message().getQuestion().getName().toString()).isEqualTo(".");
            assertThat(r.message().getQuestion().getType()).isEqualTo(Type.NS);
        });
    }

    @Test
    void passesATruncatedAnswerBackToAUdpClient() throws Exception {
        ScriptedUpstream up = upstream(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q);
            m.getHeader().setFlag(Flags.TC);
            return m;
        }));
        DnsProxy proxy = proxy(up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("big.example.com.", Type.TXT, 3));

        assertThat(answer.getHeader().getFlag(Flags.TC)).isTrue();
        Flow flow = lastFlow(proxy);
        assertThat(flow.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.TRUNCATED);
        assertThat(flow.response().truncated()).isTrue();
    }

    @Test
    void retriesOverTcpOnTruncationWhenAsked() throws Exception {
        ScriptedUpstream up = upstream((q, reply) -> {
            Message m = Wire.answer(q.message(), q.tcp() ? new String[] {"192.0.2.1", "192.0.2.2"} : new String[0]);
            if (!q.tcp()) {
                m.getHeader().setFlag(Flags.TC);
            }
            reply.send(m);
        });
        DnsProxy proxy = proxy(f -> f.tcpOnTruncation(true), c -> c, up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("big.example.com.", Type.A, 3));

        assertThat(answer.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(answer.getSection(Section.ANSWER)).hasSize(2);
        Flow flow = lastFlow(proxy);
        assertThat(flow.attempts()).extracting(a -> a.transport()).containsExactly(Transport.UDP, Transport.TCP);
        assertThat(flow.attempts()).extracting(a -> a.outcome())
                .containsExactly(AttemptOutcome.TRUNCATED, AttemptOutcome.ANSWERED);
    }

    @Test
    void truncatesAnAnswerLargerThanTheClientAdvertised() throws Exception {
        String[] many = new String[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = "192.0.2." + (i + 1);
        }
        ScriptedUpstream up = upstream(ScriptedUpstream.answering(q -> Wire.answer(q, many)));
        DnsProxy proxy = proxy(up);

        byte[] raw = DnsClient.udpRaw(proxy.address(), Wire.query("many.example.com.", Type.A, 11).toWire(), 3000);

        assertThat(raw.length).isLessThanOrEqualTo(512);
        Message answer = Wire.parse(raw);
        assertThat(answer.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(answer.getQuestion().getName().toString()).isEqualTo("many.example.com.");
        Message edns = DnsClient.udp(proxy.address(), Wire.ednsQuery("many.example.com.", Type.A, 12, 1232, false));
        assertThat(edns.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(edns.getSection(Section.ANSWER)).hasSize(40);
    }

    @Test
    void pipelinesTcpQueriesAndAnswersThemAsTheyComplete() throws Exception {
        ScriptedUpstream up = upstream((q, reply) -> {
            if (q.message().getQuestion().getName().toString().startsWith("slow")) {
                Thread.sleep(200);
            }
            reply.send(Wire.answer(q.message(), "192.0.2.1"));
        });
        DnsProxy proxy = proxy(up);

        try (DnsClient.Tcp tcp = new DnsClient.Tcp(proxy.address())) {
            tcp.send(Wire.query("slow.example.com.", Type.A, 100).toWire());
            tcp.send(Wire.query("fast.example.com.", Type.A, 200).toWire());
            assertThat(tcp.read().getHeader().getID()).isEqualTo(200);
            assertThat(tcp.read().getHeader().getID()).isEqualTo(100);
        }
        assertThat(up.received()).allSatisfy(r -> assertThat(r.tcp()).as("TCP clients are forwarded over TCP").isTrue());
        assertThat(up.received().stream().map(r -> r.from().getPort()).distinct()).as("one reused connection").hasSize(1);
    }

    @Test
    void refusesClientsOutsideTheAllowedRanges() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(f -> f, c -> c.allow(AllowList.parse(List.of("10.0.0.0/8"))), up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 5));

        assertThat(answer.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(up.received()).isEmpty();
        assertThat(proxy.metrics().count("dnsflow.refused", "reason", "acl")).isEqualTo(1.0);
        assertThat(lastFlow(proxy).outcome()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void forwardsCorednsHealthProbesLikeAnyQuery() throws Exception {
        ScriptedUpstream up = upstream(ScriptedUpstream.answering(q -> {
            Message m = Wire.answer(q);
            m.getHeader().setRcode(Rcode.REFUSED);
            return m;
        }));
        DnsProxy proxy = proxy(up);

        Message answer = DnsClient.udp(proxy.address(), Wire.query(".", Type.NS, 77));

        assertThat(answer).isNotNull();
        assertThat(answer.getHeader().getID()).isEqualTo(77);
        assertThat(up.received()).hasSize(1);
    }

    @Test
    void answersFormerrToGarbageWithAnIdAndDropsWhatHasNone() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(up);

        Message formerr = DnsClient.udp(proxy.address(), new byte[] {0x12, 0x34, 0, 0, 0}, 2000);
        byte[] nothing = DnsClient.udpRaw(proxy.address(), new byte[] {0x12}, 300);

        assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(formerr.getHeader().getID()).isEqualTo(0x1234);
        assertThat(nothing).isNull();
        assertThat(proxy.metrics().count("dnsflow.drops", "reason", "too_short")).isEqualTo(1.0);
        assertThat(proxy.metrics().total("dnsflow.malformed")).isEqualTo(2.0);
        assertThat(up.received()).isEmpty();
    }

    @Test
    void closesTcpConnectionsOverTheLimit() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(f -> f, c -> c.tcp(1, 16, Duration.ofSeconds(30)), up);

        try (DnsClient.Tcp first = new DnsClient.Tcp(proxy.address())) {
            first.send(Wire.query("example.com.", Type.A, 1).toWire());
            assertThat(first.read().getRcode()).as("the first connection is served").isEqualTo(Rcode.NOERROR);
            try (DnsClient.Tcp second = new DnsClient.Tcp(proxy.address())) {
                assertThat(second.readRaw()).as("the one over the limit is closed by dnsflow").isEqualTo(-1);
            }
            first.send(Wire.query("example.com.", Type.A, 2).toWire());
            assertThat(first.read().getHeader().getID()).as("the first connection still works").isEqualTo(2);
        }
        assertThat(proxy.metrics().count("dnsflow.refused", "reason", "tcp_connection_limit")).isEqualTo(1.0);
    }

    @Test
    void replacesUpstreamSocketsWhenTheyGrowOld() throws Exception {
        ScriptedUpstream up = upstream(answers("192.0.2.1"));
        DnsProxy proxy = proxy(f -> f.sockets(1, Duration.ofMillis(100)), c -> c.eventLoops(1), up);

        assertThat(DnsClient.udp(proxy.address(), Wire.query("a.example.com.", Type.A, 1)).getRcode()).isZero();
        Thread.sleep(1300);
        assertThat(DnsClient.udp(proxy.address(), Wire.query("b.example.com.", Type.A, 2)).getRcode()).isZero();

        assertThat(proxy.forward().socketRotations(0)).isGreaterThanOrEqualTo(1);
        assertThat(up.received().stream().map(r -> r.from().getPort()).distinct()).hasSize(2);
    }
}
