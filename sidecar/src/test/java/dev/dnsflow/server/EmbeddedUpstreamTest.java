package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.demo.EmbeddedAuthority;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Wire;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * dnsflow in front of the demo's embedded authoritative server: real zone data (apex, CNAME,
 * wildcard, NXDOMAIN, a TXT too big for 512 bytes) through the whole proxy, over UDP and TCP,
 * checked both in the client's answer and in the recorded flow. Needs no installed software.
 */
class EmbeddedUpstreamTest {
    private static final int BIG_TXT_RDATA = EmbeddedAuthority.BIG_TXT_STRING_COUNT
            * (EmbeddedAuthority.BIG_TXT_STRING_LENGTH + 1);

    private final List<AutoCloseable> open = new ArrayList<>();
    private EmbeddedAuthority authority;
    private DnsProxy proxy;

    @BeforeEach
    void start() throws Exception {
        authority = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0);
        open.add(authority);
        ForwardOptions forward = ForwardOptions.defaults().toBuilder()
                .timeouts(Duration.ofMillis(300), Duration.ofMillis(900))
                .build();
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(authority.address()))
                .forward(forward).eventLoops(2).build());
        open.add(proxy);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Flow lastFlow() {
        proxy.recorder().drain(2000);
        List<Flow> flows = proxy.ring().newest(1, f -> true);
        assertThat(flows).as("a flow was recorded").hasSize(1);
        return flows.get(0);
    }

    private String authorityLabel() {
        return "127.0.0.1:" + authority.address().getPort();
    }

    private static List<String> rdata(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
    }

    @Test
    void theApexARecordComesBackWithTheClientsIdAndOneAnsweredUdpAttempt() {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.ZONE, Type.A, 0x2a2a));

        assertThat(answer).as("an answer").isNotNull();
        assertThat(answer.getHeader().getID()).isEqualTo(0x2a2a);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AA)).as("the authority's AA is relayed").isTrue();
        assertThat(rdata(answer)).containsExactly(EmbeddedAuthority.APEX_A);

        Flow flow = lastFlow();
        assertThat(flow.query().id()).isEqualTo(0x2a2a);
        assertThat(flow.query().name()).isEqualTo(EmbeddedAuthority.ZONE);
        assertThat(flow.query().type()).isEqualTo(Type.A);
        assertThat(flow.client().transport()).isEqualTo(Transport.UDP);
        assertThat(flow.attempts()).hasSize(1);
        Attempt attempt = flow.attempts().get(0);
        assertThat(attempt.upstream()).isEqualTo(authorityLabel());
        assertThat(attempt.transport()).isEqualTo(Transport.UDP);
        assertThat(attempt.outcome()).isEqualTo(AttemptOutcome.ANSWERED);
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.response().rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(flow.response().addresses()).containsExactly(EmbeddedAuthority.APEX_A);
        assertThat(authority.queries()).isEqualTo(1);
    }

    @Test
    void theApexAaaaRecordIsRelayedAndRecorded() throws Exception {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.ZONE, Type.AAAA, 7));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        // compared as addresses, not text: dnsjava and Java print 2001:db8:0:0:0:0:0:1
        assertThat(answer.getSection(Section.ANSWER)).extracting(r -> ((AAAARecord) r).getAddress())
                .containsExactly(InetAddress.getByName(EmbeddedAuthority.APEX_AAAA));
        Flow flow = lastFlow();
        assertThat(flow.query().type()).isEqualTo(Type.AAAA);
        assertThat(flow.response().addresses()).hasSize(1);
        assertThat(InetAddress.getByName(flow.response().addresses().get(0)))
                .isEqualTo(InetAddress.getByName(EmbeddedAuthority.APEX_AAAA));
    }

    @Test
    void theWwwCnameArrivesWithTheApexAddressBehindIt() {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.WWW, Type.A, 8));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME, Type.A);
        assertThat(rdata(answer)).containsExactly(EmbeddedAuthority.ZONE, EmbeddedAuthority.APEX_A);
        Flow flow = lastFlow();
        assertThat(flow.response().answers()).isEqualTo(2);
        assertThat(flow.response().addresses()).containsExactly(EmbeddedAuthority.APEX_A);
    }

    @Test
    void aNameUnderTheWildcardGetsTheWildcardAddress() {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.WILDCARD_EXAMPLE, Type.A, 9));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER).get(0).getName().toString())
                .isEqualTo(EmbeddedAuthority.WILDCARD_EXAMPLE);
        assertThat(rdata(answer)).containsExactly(EmbeddedAuthority.WILDCARD_A);
        assertThat(lastFlow().response().addresses()).containsExactly(EmbeddedAuthority.WILDCARD_A);
    }

    @Test
    void anUnknownNameIsNxdomainAndTheFlowStillCountsAsAnswered() {
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.NONEXISTENT, Type.A, 10));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(answer.getSection(Section.ANSWER)).isEmpty();
        assertThat(answer.getSection(Section.AUTHORITY)).extracting(Record::getType).containsExactly(Type.SOA);
        Flow flow = lastFlow();
        assertThat(flow.outcome()).as("the upstream's answer was relayed, whatever its rcode").isEqualTo(Outcome.ANSWERED);
        assertThat(flow.response().rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(flow.response().answers()).isZero();
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
    }

    @Test
    void theBigTxtOverUdpWithoutEdnsComesBackTruncatedForTheClientToRetry() {
        byte[] raw = DnsClient.udpRaw(proxy.address(), Wire.query(EmbeddedAuthority.BIG_TXT, Type.TXT, 11).toWire(), 3000);

        assertThat(raw).as("an answer").isNotNull();
        assertThat(raw.length).isLessThanOrEqualTo(512);
        Message answer = Wire.parse(raw);
        assertThat(answer.getHeader().getID()).isEqualTo(11);
        assertThat(answer.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(answer.getQuestion().getName().toString()).isEqualTo(EmbeddedAuthority.BIG_TXT);
        Flow flow = lastFlow();
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.TRUNCATED);
        assertThat(flow.response().truncated()).isTrue();
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void theBigTxtOverTcpIsCompleteWithAllFiveStrings() throws Exception {
        Message answer;
        try (DnsClient.Tcp tcp = new DnsClient.Tcp(proxy.address())) {
            tcp.send(Wire.query(EmbeddedAuthority.BIG_TXT, Type.TXT, 12).toWire());
            answer = tcp.read();
        }

        assertThat(answer.getHeader().getID()).isEqualTo(12);
        assertThat(answer.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        List<String> strings = ((TXTRecord) answer.getSection(Section.ANSWER).get(0)).getStrings();
        assertThat(strings).hasSize(EmbeddedAuthority.BIG_TXT_STRING_COUNT)
                .allSatisfy(s -> assertThat(s).hasSize(EmbeddedAuthority.BIG_TXT_STRING_LENGTH));
        assertThat(strings.get(0)).matches("a+");
        assertThat(strings.get(4)).matches("e+");
        Flow flow = lastFlow();
        assertThat(flow.client().transport()).isEqualTo(Transport.TCP);
        assertThat(flow.attempts()).extracting(Attempt::transport).containsExactly(Transport.TCP);
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(flow.response().truncated()).isFalse();
        assertThat(flow.response().size()).isGreaterThan(BIG_TXT_RDATA);
    }

    /**
     * The embedded authority sizes its UDP answers by the client's own EDNS size (which dnsflow
     * forwards unchanged), so {@code tcpOnTruncation} has nothing to do here; what a user sees is
     * that an EDNS 4096 client gets the big TXT whole over UDP in one attempt.
     */
    @Test
    void theBigTxtOverUdpIsCompleteWhenTheClientAdvertisesEdns4096() {
        Message answer = DnsClient.udp(proxy.address(), Wire.ednsQuery(EmbeddedAuthority.BIG_TXT, Type.TXT, 13, 4096, false));

        assertThat(answer.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        assertThat(((TXTRecord) answer.getSection(Section.ANSWER).get(0)).getStrings())
                .hasSize(EmbeddedAuthority.BIG_TXT_STRING_COUNT);
        Flow flow = lastFlow();
        assertThat(flow.query().ednsSize()).isEqualTo(4096);
        assertThat(flow.attempts()).extracting(Attempt::transport).containsExactly(Transport.UDP);
        assertThat(flow.attempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.ANSWERED);
        assertThat(flow.response().truncated()).isFalse();
    }

    @Test
    void aSilentUpstreamGetsTheClientServfailBeforeTheDeadline() {
        authority.setSilent(true);

        long start = System.nanoTime();
        Message answer = DnsClient.udp(proxy.address(), Wire.query(EmbeddedAuthority.ZONE, Type.A, 14));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(answer).as("dnsflow answers itself instead of leaving the client waiting").isNotNull();
        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(answer.getHeader().getID()).isEqualTo(14);
        assertThat(tookMillis).as("SERVFAIL by the 900ms deadline (+ scheduling slack)").isLessThan(1400);
        Flow flow = lastFlow();
        assertThat(flow.outcome()).isEqualTo(Outcome.SERVFAIL);
        assertThat(flow.response().rcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(flow.attempts()).isNotEmpty().extracting(Attempt::outcome).containsOnly(AttemptOutcome.TIMEOUT);
        assertThat(flow.attempts()).extracting(Attempt::upstream).containsOnly(authorityLabel());
        assertThat(authority.queries()).as("nothing was answered").isZero();
    }

    /**
     * A proxy listening on port 0 must get a UDP port of its own. Under epoll its UDP sockets set
     * SO_REUSEPORT before binding, and Linux then treats a port held by another SO_REUSEPORT UDP
     * socket of the same user as free: the proxy can land on a port that another process (say,
     * another test's proxy) already listens on, and the kernel hands part of its clients' queries to
     * that other socket. Here this JVM holds SO_REUSEPORT sockets on many ports, then proxies are
     * started until one lands on a held port (or 20 did not).
     */
    @Test
    void aProxyOnPortZeroGetsAUdpPortNoOtherSocketListensOn() throws Exception {
        Map<Integer, DatagramChannel> held = new HashMap<>();
        try {
            for (int i = 0; i < 12_000; i++) {
                // IPv4 like the proxy's own sockets (a dual-stack socket would lose every lookup to them)
                DatagramChannel s = DatagramChannel.open(StandardProtocolFamily.INET);
                s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
                if (held.putIfAbsent(port, s) != null) {
                    s.close();
                }
            }
            DnsProxy shared = null;
            for (int start = 0; start < 20 && shared == null; start++) {
                DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                        List.of(authority.address())).eventLoops(2).build());
                open.add(p);
                if (held.containsKey(p.address().getPort())) {
                    shared = p;
                }
            }
            if (shared != null) {
                int lost = 0;
                for (int i = 0; i < 30; i++) {
                    // each from a new client port: the kernel spreads clients over the sharing sockets
                    if (DnsClient.udp(shared.address(), Wire.query(EmbeddedAuthority.ZONE, Type.A, i).toWire(), 300) == null) {
                        lost++;
                    }
                }
                assertThat(lost).as("of 30 queries to the proxy at %s, unanswered because another socket got them",
                        shared.address()).isZero();
            }
            assertThat(shared).as("a proxy bound a UDP port that one of %d other sockets already listens on", held.size())
                    .isNull();
        } finally {
            for (DatagramChannel s : held.values()) {
                s.close();
            }
        }
    }
}
