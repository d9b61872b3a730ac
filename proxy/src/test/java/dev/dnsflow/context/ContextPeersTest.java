package dev.dnsflow.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.DnsdistServer;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.PeerFixtures;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.OPTRecord;

/**
 * The real client reaches dnsflow's flows the ways real software carries it: Knot's kdig adding
 * CoreDNS's EDNS0 local options by hand, and dnsdist (standing in for CoreDNS, which has no Debian
 * package) adding ECS or a PROXY protocol v2 header. The context must end up in the flow's origin
 * and never reach the upstream. Skipped when the packages are missing, failed instead with
 * {@code DNSFLOW_REQUIRE_PEERS=1}.
 *
 * <p>What dnsdist 1.7.3 sends, as seen on the wire here: with {@code useClientSubnet} an ECS
 * option (family 1, source prefix 32, the client's address) in the client's OPT, or in an OPT of
 * size 512 it adds when the client sent none, over UDP and TCP alike; with {@code useProxyProtocol}
 * a PROXY v2 header (command PROXY, 0x12 for UDP, 0x11 for TCP, client and dnsdist addresses and
 * ports) in front of every UDP datagram and once at the start of each TCP connection, which it
 * opens per client connection; its health-check queries carry a LOCAL header (0x20, no addresses).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContextPeersTest {
    /** 10.244.1.7 and port 50000, as CoreDNS's {@code rewrite edns0 local set} would put them. */
    private static final String POD_IP_HEX = "0af40107";
    private static final String POD_PORT_HEX = "c350";
    private static final AllowList LOOPBACK = AllowList.parse(List.of("127.0.0.1"));

    /** The class's one NSD, started by the first test that needs it (a skip in @BeforeAll would hide the tests). */
    @RegisterExtension
    static final PeerFixtures.SharedNsd NSD = new PeerFixtures.SharedNsd();

    @RegisterExtension
    final PeerFixtures.Closer open = new PeerFixtures.Closer();

    private ScriptedUpstream upstream;

    /** An upstream that answers every query with 192.0.2.1 and keeps what it received. */
    private ScriptedUpstream upstream() throws IOException {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
        open.add(upstream);
        return upstream;
    }

    private DnsProxy proxy(InetSocketAddress to, AllowList proxyProtocolFrom) {
        // generous timeouts: a loaded machine must not turn an answer into SERVFAIL
        ForwardOptions forward = ForwardOptions.defaults().toBuilder().timeouts(Duration.ofSeconds(2), Duration.ofMillis(2500))
                .build();
        DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(to))
                .eventLoops(1).forward(forward).context(ContextCodes.DEFAULT, false, proxyProtocolFrom).build());
        open.add(proxy);
        return proxy;
    }

    /**
     * dnsdist in front of dnsflow, as CoreDNS would be, with ECS carrying the whole address. Health
     * checks are off, and dnsdist answers its own start-up probe, so every query dnsflow sees is the test's.
     *
     * @param serverOption an extra {@code newServer} field, e.g. {@code useClientSubnet=true}
     */
    private DnsdistServer dnsdist(DnsProxy proxy, String serverOption) {
        return open.add(DnsdistServer.forwardingTo(proxy.address()).serverOption(serverOption).ecsSourcePrefixes(32, 128).start());
    }

    private static Flow onlyFlow(DnsProxy proxy) {
        proxy.recorder().drain(2000);
        List<Flow> flows = proxy.ring().newest(100, f -> true);
        assertThat(flows).as("exactly one flow recorded").hasSize(1);
        return flows.get(0);
    }

    /** What the upstream received, the one query. */
    private ScriptedUpstream.Received onlyReceived() {
        assertThat(upstream.received()).as("queries the upstream received").hasSize(1);
        return upstream.received().get(0);
    }

    /** Fails if any of the byte sequences (in hex) occurs in the query as the upstream received it. */
    private static void assertNotInRawQuery(ScriptedUpstream.Received seen, String... hexSequences) {
        HexFormat hex = HexFormat.of();
        for (String sequence : hexSequences) {
            assertThat(indexOf(seen.bytes(), hex.parseHex(sequence))).as("%s in the raw query upstream %s", sequence,
                    hex.formatHex(seen.bytes())).isEqualTo(-1);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- CoreDNS's EDNS0 local options, put there by kdig -------------------------------------

    @Test
    void kdigsEdns0LocalOptionsBecomeTheFlowsOriginAndNeverReachTheUpstream() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), null);

        DigResult r = Dig.kdig(proxy.address(), "example.com.", "A",
                "+ednsopt=65518:" + POD_IP_HEX, "+ednsopt=65519:" + POD_PORT_HEX);

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.answers()).as(r.raw()).containsExactly("192.0.2.1");
        Origin origin = onlyFlow(proxy).origin();
        assertThat(origin).as("origin").isNotNull();
        assertThat(origin.ip()).isEqualTo("10.244.1.7");
        assertThat(origin.port()).isEqualTo(50000);
        assertThat(origin.source()).isEqualTo("edns0-local");
        ScriptedUpstream.Received seen = onlyReceived();
        assertThat(seen.message().getOPT())
                .as("kdig's OPT (4096, DO clear) looks like the one CoreDNS's rewrite adds: it goes with the options")
                .isNull();
        assertThat(seen.message().getHeader().getCount(org.xbill.DNS.Section.ADDITIONAL)).isZero();
        assertNotInRawQuery(seen, "ffee0004" + POD_IP_HEX, "ffef0002" + POD_PORT_HEX);
    }

    @Test
    void overTcpWithItsOwnBufferSizeKdigKeepsItsOptButLosesTheLocalOptions() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), null);

        DigResult r = Dig.kdig(proxy.address(), "example.com.", "A", "+tcp", "+bufsize=1232",
                "+ednsopt=65518:" + POD_IP_HEX, "+ednsopt=65519:" + POD_PORT_HEX);

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        Flow flow = onlyFlow(proxy);
        assertThat(flow.client().transport()).isEqualTo(Transport.TCP);
        assertThat(flow.origin().ip()).isEqualTo("10.244.1.7");
        assertThat(flow.origin().port()).isEqualTo(50000);
        assertThat(flow.origin().source()).isEqualTo("edns0-local");
        ScriptedUpstream.Received seen = onlyReceived();
        OPTRecord opt = seen.message().getOPT();
        assertThat(opt).as("the client's own OPT stays").isNotNull();
        assertThat(opt.getPayloadSize()).isEqualTo(1232);
        assertThat(opt.getOptions()).extracting(EDNSOption::getCode).doesNotContain(65518, 65519).isEmpty();
        assertNotInRawQuery(seen, "ffee0004" + POD_IP_HEX, "ffef0002" + POD_PORT_HEX);
    }

    // ---- ECS from dnsdist ---------------------------------------------------------------------

    @Test
    void digThroughDnsdistWithEcsGetsNsdsAnswerAndTheFlowNamesDigsAddress() {
        DnsProxy proxy = proxy(NSD.get().address(), null);
        DnsdistServer dnsdist = dnsdist(proxy, "useClientSubnet=true");

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.flags()).as("NSD's authoritative answer\n" + r.raw()).contains("aa");
        assertThat(r.answers()).as(r.raw()).containsExactly(NsdServer.APEX_A);
        Flow flow = onlyFlow(proxy);
        assertThat(flow.client().ip()).as("the sender is dnsdist").isEqualTo("127.0.0.1");
        assertThat(flow.origin()).as("origin").isNotNull();
        assertThat(flow.origin().source()).isEqualTo("ecs");
        assertThat(flow.origin().ip()).as("dig's address").isEqualTo("127.0.0.1");
        assertThat(flow.origin().prefix()).isEqualTo(32);
        assertThat(flow.origin().isSubnet()).as("a /32 names one host").isFalse();
        assertThat(flow.response().addresses()).containsExactly(NsdServer.APEX_A);
    }

    @Test
    void theEcsDnsdistAddsNeverReachesTheUpstreamButDigsCookieDoes() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), null);
        DnsdistServer dnsdist = dnsdist(proxy, "useClientSubnet=true");

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A");

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(onlyFlow(proxy).origin().source()).isEqualTo("ecs");
        ScriptedUpstream.Received seen = onlyReceived();
        OPTRecord opt = seen.message().getOPT();
        assertThat(opt).as("dig's OPT").isNotNull();
        assertThat(opt.getOptions()).extracting(EDNSOption::getCode).as("ECS gone, dig's cookie kept").containsExactly(10);
        assertNotInRawQuery(seen, "00080008000120007f000001"); // ECS, family 1, /32, 127.0.0.1
    }

    // ---- PROXY protocol v2 from dnsdist -------------------------------------------------------

    @Test
    void aTrustedDnsdistsProxyHeaderOverUdpNamesDigsAddressAndPort() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), LOOPBACK);
        DnsdistServer dnsdist = dnsdist(proxy, "useProxyProtocol=true");
        int digPort = Peers.freePort();

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A", "-b", "127.0.0.1#" + digPort);

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.answers()).as(r.raw()).containsExactly("192.0.2.1");
        Flow flow = onlyFlow(proxy);
        assertThat(flow.origin()).as("origin").isNotNull();
        assertThat(flow.origin().source()).isEqualTo("proxy-v2");
        assertThat(flow.origin().ip()).isEqualTo("127.0.0.1");
        assertThat(flow.origin().port()).as("dig's source port").isEqualTo(digPort);
        assertThat(flow.origin().transport()).isEqualTo(Transport.UDP);
        assertThat(flow.client().port()).as("the sender is dnsdist, not dig").isNotEqualTo(digPort);
        assertNotInRawQuery(onlyReceived(), "0d0a0d0a000d0a515549540a"); // the PROXY v2 signature
        assertThat(onlyReceived().message().getQuestion().getName().toString()).isEqualTo("example.com.");
    }

    @Test
    void aTrustedDnsdistsProxyHeaderOverTcpNamesDigsAddressAndPort() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), LOOPBACK);
        DnsdistServer dnsdist = dnsdist(proxy, "useProxyProtocol=true");
        int digPort = Peers.freePort();

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A", "+tcp", "-b", "127.0.0.1#" + digPort);

        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.answers()).as(r.raw()).containsExactly("192.0.2.1");
        Flow flow = onlyFlow(proxy);
        assertThat(flow.client().transport()).as("dnsdist forwards a TCP query over TCP").isEqualTo(Transport.TCP);
        assertThat(flow.origin()).as("origin").isNotNull();
        assertThat(flow.origin().source()).isEqualTo("proxy-v2");
        assertThat(flow.origin().ip()).isEqualTo("127.0.0.1");
        assertThat(flow.origin().port()).as("dig's source port").isEqualTo(digPort);
        assertThat(flow.origin().transport()).isEqualTo(Transport.TCP);
        assertThat(onlyReceived().message().getQuestion().getName().toString()).isEqualTo("example.com.");
    }

    @Test
    void anUntrustedDnsdistsProxyHeaderOverUdpGetsNoAnswerAndIsCountedAsADrop() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), AllowList.parse(List.of("10.0.0.1")));
        DnsdistServer dnsdist = dnsdist(proxy, "useProxyProtocol=true");

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A", "+time=2");

        assertThat(r.status()).as(r.raw()).isIn(DigResult.TIMEOUT, "SERVFAIL");
        assertThat(r.answers()).as(r.raw()).isEmpty();
        awaitPositive(() -> proxy.metrics().count("dnsflow.drops", "reason", "proxy_untrusted"));
        assertThat(proxy.metrics().count("dnsflow.drops", "reason", "proxy_untrusted")).isPositive();
        assertThat(upstream.received()).as("nothing went upstream").isEmpty();
        proxy.recorder().drain(2000);
        assertThat(proxy.ring().newest(10, f -> true)).as("no flow").isEmpty();
    }

    @Test
    void anUntrustedDnsdistsProxyHeaderOverTcpGetsNoAnswerAndIsCountedAsRefused() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), AllowList.parse(List.of("10.0.0.1")));
        DnsdistServer dnsdist = dnsdist(proxy, "useProxyProtocol=true");

        DigResult r = Dig.dig(dnsdist.address(), "example.com.", "A", "+tcp", "+time=2");

        assertThat(r.status()).as(r.raw()).isIn(DigResult.TIMEOUT, "SERVFAIL");
        assertThat(r.answers()).as(r.raw()).isEmpty();
        awaitPositive(() -> proxy.metrics().count("dnsflow.refused", "reason", "proxy_untrusted"));
        assertThat(proxy.metrics().count("dnsflow.refused", "reason", "proxy_untrusted")).isPositive();
        assertThat(upstream.received()).as("nothing went upstream").isEmpty();
    }

    /**
     * Without {@code --proxy-protocol-from} at all, dnsdist's PROXY header is just as untrusted as
     * from a sender outside the list: refused and counted over TCP as over UDP.
     */
    @Test
    void withoutProxyProtocolFromAProxyHeaderOverTcpIsRefusedAndCountedLikeOverUdp() throws Exception {
        upstream();
        DnsProxy proxy = proxy(upstream.address(), null);
        DnsdistServer dnsdist = dnsdist(proxy, "useProxyProtocol=true");

        DigResult udp = Dig.dig(dnsdist.address(), "example.com.", "A", "+time=2");
        DigResult tcp = Dig.dig(dnsdist.address(), "example.com.", "A", "+tcp", "+time=2");

        assertThat(udp.status()).as(udp.raw()).isIn(DigResult.TIMEOUT, "SERVFAIL");
        assertThat(tcp.status()).as(tcp.raw()).isIn(DigResult.TIMEOUT, "SERVFAIL");
        assertThat(upstream.received()).as("nothing went upstream").isEmpty();
        awaitPositive(() -> proxy.metrics().count("dnsflow.drops", "reason", "proxy_untrusted"));
        assertThat(proxy.metrics().count("dnsflow.drops", "reason", "proxy_untrusted")).as("UDP").isPositive();
        awaitPositive(() -> proxy.metrics().count("dnsflow.refused", "reason", "proxy_untrusted"));
        assertThat(proxy.metrics().count("dnsflow.refused", "reason", "proxy_untrusted"))
                .as("TCP: the header is refused as over UDP, not read as a 3338-byte DNS length prefix").isPositive();
    }

    private static void awaitPositive(DoubleSupplier counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counter.getAsDouble() <= 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
