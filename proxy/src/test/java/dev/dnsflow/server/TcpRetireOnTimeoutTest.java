package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A TCP upstream that serves a connection's queries in order (dnsdist 1.7 by default) and never answers one of
 * them: every later query pipelined on that connection is stuck behind it. An attempt that times out retires its
 * connection, so the retry and the queries after it go on a new one and are answered. Before, they rode the stuck
 * connection and all timed out: nodelocal's retries to CoreDNS's stand-in over TCP never reached it.
 */
class TcpRetireOnTimeoutTest {

    @Test
    void aTimedOutTcpAttemptRetiresItsConnectionSoLaterQueriesAreAnswered() throws Exception {
        try (ScriptedUpstream up = inOrderUpstream()) {
            try (DnsProxy proxy = DnsProxy.start(overTcp(up, Duration.ofMillis(150), Duration.ofMillis(1500), 3))) {
                Message lost = DnsClient.udp(proxy.address(), Wire.query("lost.cluster.local.", Type.A, 1).toWire(), 3000);
                assertThat(lost.getRcode()).isEqualTo(Rcode.SERVFAIL);
                List<ScriptedUpstream.Received> tries = up.received().stream()
                        .filter(r -> r.message().getQuestion().getName().toString().startsWith("lost.")).toList();
                assertThat(tries).as("every attempt went out, over TCP").hasSize(3).allSatisfy(r -> assertThat(r.tcp()).isTrue());
                assertThat(tries).extracting(ScriptedUpstream.Received::from).as("each retry on a new connection")
                        .doesNotHaveDuplicates();

                Message next = DnsClient.udp(proxy.address(), Wire.query("next.cluster.local.", Type.A, 2).toWire(), 3000);
                assertThat(next.getRcode()).as("not stuck behind the unanswered query").isEqualTo(Rcode.NOERROR);
            }
        }
    }

    /**
     * The defaults (700 ms per attempt, 1800 ms overall, 3 attempts) end the last attempt by the deadline, before
     * its own timer: that connection is just as stuck and must be retired too, or the next query is pipelined behind
     * the unanswered one and answered only by its retry, a full timeout later.
     */
    @Test
    void aTcpAttemptEndedByTheDeadlineRetiresItsConnectionToo() throws Exception {
        try (ScriptedUpstream up = inOrderUpstream()) {
            // 300 ms per attempt, 450 ms overall, attempts to spare: the second attempt is cut by the deadline,
            // halfway through its own time.
            try (DnsProxy proxy = DnsProxy.start(overTcp(up, Duration.ofMillis(300), Duration.ofMillis(450), 10))) {
                Message lost = DnsClient.udp(proxy.address(), Wire.query("lost.cluster.local.", Type.A, 1).toWire(), 3000);
                assertThat(lost.getRcode()).isEqualTo(Rcode.SERVFAIL);
                proxy.recorder().drain(2000);
                Flow lostFlow = proxy.ring().newest(1, f -> f.query().name().startsWith("lost.")).get(0);
                Attempt last = lostFlow.attempts().get(lostFlow.attempts().size() - 1);
                assertThat(last.outcome()).isEqualTo(AttemptOutcome.TIMEOUT);
                assertThat(last.rttMicros()).as("the deadline, not the attempt's own timer, ended it: %s", lostFlow.attempts())
                        .isLessThan(290_000);
                List<InetSocketAddress> lostFrom = up.received().stream()
                        .filter(r -> r.message().getQuestion().getName().toString().startsWith("lost."))
                        .map(ScriptedUpstream.Received::from).toList();

                Message next = DnsClient.udp(proxy.address(), Wire.query("next.cluster.local.", Type.A, 2).toWire(), 3000);
                assertThat(next.getRcode()).isEqualTo(Rcode.NOERROR);
                proxy.recorder().drain(2000);
                Flow nextFlow = proxy.ring().newest(1, f -> f.query().name().startsWith("next.")).get(0);
                assertThat(nextFlow.attempts()).extracting(a -> a.outcome()).as("answered at once, not after a timeout")
                        .containsExactly(AttemptOutcome.ANSWERED);
                List<InetSocketAddress> nextFrom = up.received().stream()
                        .filter(r -> r.message().getQuestion().getName().toString().startsWith("next."))
                        .map(ScriptedUpstream.Received::from).toList();
                assertThat(nextFrom).as("on a new connection").hasSize(1).doesNotContainAnyElementsOf(lostFrom);
            }
        }
    }

    /**
     * Like an in-order TCP server (dnsdist 1.7): a {@code lost.} query is never answered, and nothing after it on the
     * same connection is either.
     */
    private static ScriptedUpstream inOrderUpstream() throws java.io.IOException {
        Set<InetSocketAddress> stuck = ConcurrentHashMap.newKeySet();
        return ScriptedUpstream.start((q, reply) -> {
            if (q.message().getQuestion().getName().toString().startsWith("lost.")) {
                stuck.add(q.from()); // never answered: this connection is stuck from now on
            } else if (!stuck.contains(q.from())) {
                reply.send(Wire.answer(q.message(), "192.0.2.7"));
            }
        });
    }

    /** One event loop forwarding {@code cluster.local} to {@code up} over TCP. */
    private static ProxyConfig overTcp(ScriptedUpstream up, Duration attempt, Duration deadline, int attempts) {
        ForwardOptions forward = ForwardOptions.defaults().toBuilder().timeouts(attempt, deadline)
                .maxAttempts(attempts).health(1000, Duration.ofSeconds(30)).build();
        return ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(up.address()))
                .eventLoops(1).forward(forward)
                .zones(List.of(new ForwardZone("cluster.local", List.of(up.address()), true))).build();
    }
}
