package dev.dnsflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.admin.AdminToken;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.DnsdistServer;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.PeerFixtures;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The chaos seed scenario with real software on every hop: NSD is the upstream, dnsdist plays
 * CoreDNS (a forwarder in front of dnsflow), dig and kdig are the clients, and rules are changed
 * through the admin API with the bearer token while everything keeps running.
 *
 * <p>dnsdist (1.7.3 here) does not retry a lost query itself: every retransmission comes from the
 * client, and dnsdist forwards each one with a new ID of its own, which is what CoreDNS's forward
 * does too (a fresh ID per attempt). So {@code dig +tries=3} stands in for CoreDNS's up-to-3 attempts.
 *
 * <p>Skipped when the packages are missing, failed instead with {@code DNSFLOW_REQUIRE_PEERS=1}.
 */
class ChaosScenarioTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-chaos-token";
    private static final String EXAMPLE = "example.com.";
    private static final String WWW = "www.example.com.";
    private static final String WILDCARD = "foo.w.example.com.";
    private static final String BIG = "big.example.com.";
    private static final String BIG_TXT = NsdServer.bigTxtStrings().stream()
            .map(s -> "\"" + s + "\"").collect(Collectors.joining(" "));

    /** Started by the first test that needs it (a skip in @BeforeAll would report zero tests, not skips). */
    @RegisterExtension
    static final PeerFixtures.SharedNsd NSD = new PeerFixtures.SharedNsd();

    @RegisterExtension
    final PeerFixtures.Closer open = new PeerFixtures.Closer();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    // ------------------------------------------------------------------------------------------
    // 1. a drop rule through dnsdist

    @Test
    void aDropRuleSilencesExampleComThroughDnsdistWhileOtherNamesResolveAndNothingReachesNsd() throws Exception {
        DnsProxy proxy = proxy();
        DnsdistServer dnsdist = dnsdist(proxy);

        HttpResponse<String> unauthorized = put(proxy, "drop-example", "{\"match\":{\"name\":\"example.com\",\"type\":\"A\"},"
                + "\"action\":\"drop\"}", null);
        assertThat(unauthorized.statusCode()).as(unauthorized.body()).isEqualTo(401);
        assertThat(proxy.chaos().isEmpty()).as("a change without the token is not applied").isTrue();
        HttpResponse<String> created = put(proxy, "drop-example", "{\"match\":{\"name\":\"example.com\",\"type\":\"A\"},"
                + "\"action\":\"drop\"}", TOKEN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        double upstreamBefore = upstreamRequests(proxy);

        DigResult dropped = Dig.dig(dnsdist.address(), EXAMPLE, "A", "+tries=1", "+time=2");
        DigResult www = Dig.dig(dnsdist.address(), WWW, "A");
        DigResult wildcard = Dig.kdig(dnsdist.address(), WILDCARD, "A");

        assertThat(dropped.status()).as(dropped.raw()).isEqualTo(DigResult.TIMEOUT);
        assertThat(www.status()).as(www.raw()).isEqualTo("NOERROR");
        assertThat(www.answers()).as(www.raw()).containsExactly(EXAMPLE, NsdServer.APEX_A);
        assertThat(wildcard.status()).as(wildcard.raw()).isEqualTo("NOERROR");
        assertThat(wildcard.answers()).as(wildcard.raw()).containsExactly(NsdServer.WILDCARD_A);
        Flow drop = only(flows(proxy, named(EXAMPLE)));
        assertDropped(drop, "drop-example");
        assertThat(drop.client().ip()).as("dnsflow's client is dnsdist").isEqualTo("127.0.0.1");
        for (String name : List.of(WWW, WILDCARD)) {
            Flow answered = only(flows(proxy, named(name)));
            assertThat(answered.outcome()).as(name).isEqualTo(Outcome.ANSWERED);
            assertThat(answered.chaos()).as(name + " is untouched by the rule").isNull();
            assertAnsweredByNsd(answered);
        }
        assertThat(upstreamRequests(proxy) - upstreamBefore).as("only www and foo.w went to NSD")
                .isEqualTo(attempts(flows(proxy, named(WWW).or(named(WILDCARD)))));
        assertThat(injected(proxy, "drop-example", "drop")).isEqualTo(1.0);

        // A client that retransmits (as CoreDNS does, with a new ID each time): dnsdist forwards every
        // retransmission with an ID of its own, and each one ends at dnsflow as a separate drop.
        DigResult retried = Dig.dig(dnsdist.address(), EXAMPLE, "A", "+tries=3", "+time=1");

        assertThat(retried.status()).as(retried.raw()).isEqualTo(DigResult.TIMEOUT);
        List<Flow> drops = flows(proxy, named(EXAMPLE));
        assertThat(drops).as("the first query plus three transmissions").hasSize(4);
        drops.forEach(f -> assertDropped(f, "drop-example"));
        assertThat(drops).extracting(f -> f.query().id()).as("each transmission reached dnsflow with its own query ID")
                .doesNotHaveDuplicates();
        assertThat(drops).extracting(Flow::id).doesNotHaveDuplicates();
        assertThat(upstreamRequests(proxy) - upstreamBefore).as("no retransmission reached NSD")
                .isEqualTo(attempts(flows(proxy, named(WWW).or(named(WILDCARD)))));
        assertThat(injected(proxy, "drop-example", "drop")).isEqualTo(4.0);
        assertThat(proxy.metrics().count("dnsflow.drops", "reason", "chaos")).isEqualTo(4.0);
        // What an operator sees: GET /api/v1/flows?outcome=chaos_drop
        HttpResponse<String> api = http(proxy, "GET", "/api/v1/flows?outcome=chaos_drop", HttpRequest.BodyPublishers.noBody(), null);
        assertThat(api.statusCode()).as(api.body()).isEqualTo(200);
        JsonNode listed = JSON.readTree(api.body());
        assertThat(listed).hasSize(4);
        for (JsonNode f : listed) {
            assertThat(f.at("/query/name").asText()).isEqualTo(EXAMPLE);
            assertThat(f.at("/chaos/rule").asText()).isEqualTo("drop-example");
            assertThat(f.at("/chaos/action").asText()).isEqualTo("drop");
            assertThat(f.get("attempts")).as(f.toString()).isEmpty();
            assertThat(f.has("response")).as(f.toString()).isFalse();
        }
        assertThat(dnsdist.isAlive()).as(dnsdist.log()).isTrue();
    }

    // ------------------------------------------------------------------------------------------
    // 2. CoreDNS health probes are exempt

    @Test
    void corednsHealthProbesAreAnsweredWhileEverythingElseIsDroppedUnlessTheRuleIncludesProbes() throws Exception {
        DnsProxy proxy = proxy("drop name=~.* rule=drop-all");

        // CoreDNS's forward probes every 0.5 s with `. IN NS`, RD=1, UDP, 1 s timeout: any answer is healthy.
        // (The client here waits 3 s, not 1 s: the point is answered-or-dropped, and a cold JVM on a busy
        // build box can take over a second for its first query.)
        for (int i = 0; i < 5; i++) {
            Message probe = Wire.query(".", Type.NS, 1000 + i);
            assertThat(probe.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isTrue();
            Message answer = DnsClient.udp(proxy.address(), probe.toWire(), 3000);
            assertThat(answer).as("probe %d answered under a drop-everything rule", i).isNotNull();
            assertThat(answer.getHeader().getID()).isEqualTo(1000 + i);
        }
        DigResult digProbe = Dig.dig(proxy.address(), ".", "NS", "+noedns");
        assertThat(digProbe.status()).as(digProbe.raw()).isNotEqualTo(DigResult.TIMEOUT).isNotEqualTo("SERVFAIL");
        // The loop plugin's start-up probe: <random>.<random>.zone HINFO.
        Message loopProbe = DnsClient.udp(proxy.address(), Wire.query("1234.5678.example.com.", Type.HINFO, 2000).toWire(), 3000);
        assertThat(loopProbe).as("the loop plugin's HINFO probe is answered").isNotNull();
        // Everything else is dropped.
        assertThat(DnsClient.udp(proxy.address(), Wire.query(EXAMPLE, Type.A, 3000).toWire(), 200)).isNull();
        assertThat(DnsClient.udp(proxy.address(), Wire.query(".", Type.SOA, 3001).toWire(), 200))
                .as("only NS at the root is a probe").isNull();

        awaitFlows(proxy, 9); // 6 probes, the HINFO, the two dropped queries
        List<Flow> probes = flows(proxy, f -> ".".equals(f.query().name()) && f.query().type() == Type.NS);
        assertThat(probes).hasSize(6);
        assertThat(probes).extracting(Flow::outcome).containsOnly(Outcome.ANSWERED);
        assertThat(probes).extracting(Flow::chaos).containsOnlyNulls();
        probes.forEach(ChaosScenarioTest::assertAnsweredByNsd);
        assertDropped(only(flows(proxy, named(EXAMPLE))), "drop-all");
        assertDropped(only(flows(proxy, f -> f.query().type() == Type.SOA)), "drop-all");

        // include-probes: the probe is dropped too, which is how a test takes dnsflow "down" for CoreDNS.
        assertThat(delete(proxy, "drop-all", TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> put = put(proxy, "drop-all-probes",
                "{\"match\":{\"name\":\"~.*\"},\"action\":\"drop\",\"include-probes\":true}", TOKEN);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(DnsClient.udp(proxy.address(), Wire.query(".", Type.NS, 4000).toWire(), 300)).isNull();
        awaitFlows(proxy, 10);
        Flow droppedProbe = flows(proxy, f -> f.query().id() == 4000).get(0);
        assertDropped(droppedProbe, "drop-all-probes");
    }

    // ------------------------------------------------------------------------------------------
    // 3. removing the rule through the API

    @Test
    void deletingTheRuleThroughTheApiRestoresExampleComThroughDnsdistWithoutARestart() throws Exception {
        DnsProxy proxy = proxy("drop name=example.com type=A rule=drop-example");
        DnsdistServer dnsdist = dnsdist(proxy);
        InetSocketAddress before = proxy.address();

        DigResult dropped = Dig.dig(dnsdist.address(), EXAMPLE, "A", "+tries=1", "+time=1");
        assertThat(dropped.status()).as(dropped.raw()).isEqualTo(DigResult.TIMEOUT);
        HttpResponse<String> listed = get(proxy, "");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"name\":\"drop-example\"").contains("\"source\":\"flag\"");

        HttpResponse<String> noToken = delete(proxy, "drop-example", null);
        HttpResponse<String> wrongToken = delete(proxy, "drop-example", "not-" + TOKEN);
        assertThat(noToken.statusCode()).as(noToken.body()).isEqualTo(401);
        assertThat(wrongToken.statusCode()).as(wrongToken.body()).isEqualTo(401);
        assertThat(proxy.chaos().get("drop-example")).as("still there after refused deletes").isNotNull();
        HttpResponse<String> deleted = delete(proxy, "drop-example", TOKEN);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(get(proxy, "/drop-example").statusCode()).isEqualTo(404);

        DigResult restored = Dig.dig(dnsdist.address(), EXAMPLE, "A");

        assertThat(restored.status()).as(restored.raw()).isEqualTo("NOERROR");
        assertThat(restored.answers()).as(restored.raw()).containsExactly(NsdServer.APEX_A);
        assertThat(proxy.address()).as("the same running proxy").isEqualTo(before);
        List<Flow> flows = flows(proxy, named(EXAMPLE));
        assertThat(flows).hasSize(2);
        assertDropped(flows.get(1), "drop-example");
        Flow after = flows.get(0);
        assertThat(after.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(after.chaos()).isNull();
        assertAnsweredByNsd(after);
        assertThat(after.response().addresses()).containsExactly(NsdServer.APEX_A);
        assertThat(dnsdist.isAlive()).as(dnsdist.log()).isTrue();
    }

    // ------------------------------------------------------------------------------------------
    // 4. truncate: the client goes to TCP, where NSD answers

    @Test
    void truncateMakesDigRetryOverTcpWhereNsdAnswersInFull() throws Exception {
        DnsProxy proxy = proxy("truncate name=big.example.com rule=tc-big");

        DigResult direct = Dig.dig(proxy.address(), BIG, "TXT");

        assertThat(direct.status()).as(direct.raw()).isEqualTo("NOERROR");
        assertThat(direct.flags()).as(direct.raw()).doesNotContain("tc");
        assertThat(direct.answers()).as(direct.raw()).containsExactly(BIG_TXT);
        List<Flow> flows = flows(proxy, named(BIG));
        assertThat(flows).as("dig's UDP query, then its TCP retry").hasSize(2);
        assertTruncatedThenTcp(flows.get(1), flows.get(0));
        assertThat(flows.get(0).query().id()).isEqualTo(direct.id());

        // The same through the CoreDNS stand-in: dnsdist hands TC back to the client, dig asks
        // dnsdist again over TCP, and dnsdist forwards that over TCP to dnsflow.
        DnsdistServer dnsdist = dnsdist(proxy);
        DigResult viaDnsdist = Dig.dig(dnsdist.address(), BIG, "TXT");

        assertThat(viaDnsdist.status()).as(viaDnsdist.raw()).isEqualTo("NOERROR");
        assertThat(viaDnsdist.flags()).as(viaDnsdist.raw()).doesNotContain("tc");
        assertThat(viaDnsdist.answers()).as(viaDnsdist.raw()).containsExactly(BIG_TXT);
        List<Flow> all = flows(proxy, named(BIG));
        assertThat(all).hasSize(4);
        assertTruncatedThenTcp(all.get(1), all.get(0));
        assertThat(injected(proxy, "tc-big", "truncate")).isEqualTo(2.0);
    }

    private void assertTruncatedThenTcp(Flow udp, Flow tcp) {
        assertThat(udp.client().transport()).isEqualTo(Transport.UDP);
        assertThat(udp.outcome()).isEqualTo(Outcome.CHAOS_TRUNCATE);
        assertThat(udp.chaos()).isNotNull();
        assertThat(udp.chaos().rule()).isEqualTo("tc-big");
        assertThat(udp.chaos().action()).isEqualTo("truncate");
        assertThat(udp.attempts()).as("dnsflow answered TC itself").isEmpty();
        assertThat(udp.response().truncated()).isTrue();
        assertThat(udp.response().rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(tcp.client().transport()).isEqualTo(Transport.TCP);
        assertThat(tcp.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(tcp.chaos()).as("a TCP query cannot be sent to TCP").isNull();
        assertAnsweredByNsd(tcp);
        assertThat(tcp.attempts()).extracting(Attempt::transport).containsOnly(Transport.TCP);
        assertThat(tcp.response().truncated()).isFalse();
        assertThat(tcp.response().answers()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------
    // 5. rates

    @Test
    void everyThirdQueryIsDroppedExactly() throws Exception {
        DnsProxy proxy = proxy("drop name=*.w.example.com every=3 rule=every-third");

        try (DatagramSocket socket = new DatagramSocket()) {
            for (int i = 1; i <= 30; i++) {
                send(socket, proxy.address(), Wire.query("q" + i + ".w.example.com.", Type.A, i));
                awaitFlows(proxy, i); // one at a time, so the n-th query is the n-th match
            }
        }

        List<Flow> flows = flows(proxy, f -> true);
        assertThat(flows).hasSize(30);
        List<String> dropped = flows.stream().filter(f -> f.outcome() == Outcome.CHAOS_DROP).map(f -> f.query().name()).toList();
        assertThat(dropped).as("the 3rd, 6th, … 30th").containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(1, 10).mapToObj(k -> "q" + 3 * k + ".w.example.com.").toList());
        assertThat(flows).filteredOn(f -> f.outcome() == Outcome.ANSWERED).hasSize(20)
                .allSatisfy(f -> assertThat(f.response().addresses()).containsExactly(NsdServer.WILDCARD_A));
        assertThat(injected(proxy, "every-third", "drop")).isEqualTo(10.0);
        assertThat(upstreamRequests(proxy)).as("upstream attempts (one per answered query, more if NSD was slow)")
                .isEqualTo(attempts(flows)).isGreaterThanOrEqualTo(20.0);
        assertThat(proxy.chaos().get("every-third").matches().get()).isEqualTo(30);
    }

    @Test
    void probabilityDropsAboutThatShareOfQueries() throws Exception {
        DnsProxy proxy = proxy("drop name=*.w.example.com probability=0.3 rule=lossy");
        int queries = 400;

        int answers = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setReceiveBufferSize(1 << 20);
            for (int i = 0; i < queries; i++) {
                send(socket, proxy.address(), Wire.query("p" + i + ".w.example.com.", Type.A, i));
                if (i % 50 == 49) {
                    awaitFlows(proxy, i + 1); // pace the burst: nothing may be lost before the rule sees it
                }
            }
            awaitFlows(proxy, queries);
            socket.setSoTimeout(300);
            byte[] buf = new byte[4096];
            try {
                while (true) {
                    socket.receive(new DatagramPacket(buf, buf.length));
                    answers++;
                }
            } catch (SocketTimeoutException done) {
                // every answer has arrived
            }
        }

        List<Flow> flows = flows(proxy, f -> true);
        assertThat(flows).hasSize(queries);
        long dropped = flows.stream().filter(f -> f.outcome() == Outcome.CHAOS_DROP).count();
        // mean 120, sigma = sqrt(400 * 0.3 * 0.7) = 9.2: 80..160 is more than 4 sigma either side
        assertThat(dropped).isBetween(80L, 160L);
        assertThat(flows.stream().filter(f -> f.outcome() == Outcome.ANSWERED).count()).isEqualTo(queries - dropped);
        assertThat(answers).as("the client got an answer for every query not dropped").isEqualTo((int) (queries - dropped));
        assertThat(injected(proxy, "lossy", "drop")).isEqualTo((double) dropped);
        assertThat(upstreamRequests(proxy)).as("upstream attempts (one per answered query, more if NSD was slow)")
                .isEqualTo(attempts(flows)).isGreaterThanOrEqualTo((double) (queries - dropped));
        var m = proxy.metrics();
        assertThat(m.total("dnsflow.queries")).as("conservation: every query answered or dropped")
                .isEqualTo(m.total("dnsflow.responses") + m.total("dnsflow.drops")).isEqualTo((double) queries);
        assertThat(m.count("dnsflow.drops", "reason", "chaos")).isEqualTo((double) dropped);
    }

    // ------------------------------------------------------------------------------------------
    // helpers

    private DnsProxy proxy(String... flags) {
        DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(NSD.get().address()))
                .chaos(null, List.of(flags))
                .admin(new InetSocketAddress("127.0.0.1", 0))
                .adminToken(AdminToken.of(TOKEN))
                .eventLoops(2)
                .build());
        open.add(p);
        return p;
    }

    /**
     * dnsdist as the CoreDNS stand-in, forwarding everything to dnsflow. Its backend is forced up
     * ({@link DnsdistServer}): dnsdist 1.7 would otherwise mark dnsflow down when a drop-everything
     * rule swallows its health check ({@code a.root-servers.net. A}, which is not a CoreDNS probe and
     * so not exempt).
     */
    private DnsdistServer dnsdist(DnsProxy proxy) {
        return open.add(DnsdistServer.start(proxy.address()));
    }

    private static void assertDropped(Flow f, String rule) {
        assertThat(f.outcome()).as("flow %s", f).isEqualTo(Outcome.CHAOS_DROP);
        assertThat(f.chaos()).as("flow %s", f).isNotNull();
        assertThat(f.chaos().rule()).isEqualTo(rule);
        assertThat(f.chaos().action()).isEqualTo("drop");
        assertThat(f.attempts()).as("nothing went upstream").isEmpty();
        assertThat(f.response()).as("no answer was sent").isNull();
    }

    /**
     * Asked at NSD and answered by it: normally one attempt; on a loaded box NSD may miss dnsflow's
     * 700 ms attempt timeout, then a retry (to NSD again) is what answered.
     */
    private static void assertAnsweredByNsd(Flow f) {
        assertThat(f.attempts()).as("flow %s", f).isNotEmpty().extracting(Attempt::upstream)
                .containsOnly(label(NSD.get().address()));
        assertThat(f.attempts().get(f.attempts().size() - 1).outcome()).as("flow %s", f).isEqualTo(AttemptOutcome.ANSWERED);
    }

    private static Predicate<Flow> named(String name) {
        return f -> name.equals(f.query().name());
    }

    /** Matching flows recorded so far, newest first. */
    private static List<Flow> flows(DnsProxy proxy, Predicate<Flow> filter) {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(10_000, filter);
    }

    private static Flow only(List<Flow> flows) {
        assertThat(flows).hasSize(1);
        return flows.get(0);
    }

    /** Waits until at least {@code n} flows have been recorded (generous: the build box may be loaded). */
    private static void awaitFlows(DnsProxy proxy, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            proxy.recorder().drain(100);
            if (proxy.ring().written() >= n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(n + " flows recorded within 10 s, have " + proxy.ring().written() + "; dnsflow received "
                        + proxy.metrics().total("dnsflow.queries") + " queries, sent " + upstreamRequests(proxy)
                        + " upstream, answered " + proxy.metrics().total("dnsflow.responses") + ", dropped "
                        + proxy.metrics().total("dnsflow.drops"));
            }
            Thread.sleep(1);
        }
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, Message query) throws IOException {
        byte[] bytes = query.toWire();
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    /** Upstream attempts recorded in these flows (dropped flows have none). */
    private static double attempts(List<Flow> flows) {
        return flows.stream().mapToInt(f -> f.attempts().size()).sum();
    }

    private static double upstreamRequests(DnsProxy proxy) {
        return proxy.metrics().total("dnsflow.upstream.requests");
    }

    private static double injected(DnsProxy proxy, String rule, String action) {
        return proxy.metrics().count("dnsflow.chaos.injected", "rule", rule, "action", action);
    }

    private static String label(InetSocketAddress address) {
        return "127.0.0.1:" + address.getPort();
    }

    private HttpResponse<String> put(DnsProxy proxy, String name, String json, String token) throws Exception {
        return http(proxy, "PUT", ChaosApi.PREFIX + "/" + name, HttpRequest.BodyPublishers.ofString(json), token);
    }

    private HttpResponse<String> delete(DnsProxy proxy, String name, String token) throws Exception {
        return http(proxy, "DELETE", ChaosApi.PREFIX + "/" + name, HttpRequest.BodyPublishers.noBody(), token);
    }

    private HttpResponse<String> get(DnsProxy proxy, String suffix) throws Exception {
        return http(proxy, "GET", ChaosApi.PREFIX + suffix, HttpRequest.BodyPublishers.noBody(), null);
    }

    private HttpResponse<String> http(DnsProxy proxy, String method, String path, HttpRequest.BodyPublisher body,
                                      String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5)).method(method, body).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
