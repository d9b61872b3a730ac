package dev.dnsflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.admin.AdminToken;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ProxyUnderTest;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Each chaos action as a client and the flows see it, and rules changed through the API and a file. */
class ChaosTest {
    private static final String TOKEN = "s3cret";
    private final HttpClient http = HttpClient.newHttpClient();
    private ProxyUnderTest stage;
    private ScriptedUpstream upstream;
    private DnsProxy proxy;

    @TempDir
    Path dir;

    @BeforeEach
    void startUpstream() throws Exception {
        stage = new ProxyUnderTest();
        upstream = stage.upstream();
    }

    @AfterEach
    void stop() {
        stage.close();
    }

    private DnsProxy proxy(UnaryOperator<ProxyConfig.Builder> config) {
        proxy = stage.start(b -> config.apply(b.admin(new InetSocketAddress("127.0.0.1", 0))));
        return proxy;
    }

    private DnsProxy proxy(String... rules) {
        return proxy(c -> c.chaos(null, List.of(rules)));
    }

    private Message ask(String name, int id, int timeoutMillis) {
        return DnsClient.udp(proxy.address(), Wire.query(name, Type.A, id).toWire(), timeoutMillis);
    }

    private Flow last() {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(1, f -> true).get(0);
    }

    private int upstreamSaw(String name) {
        return (int) upstream.received().stream().filter(r -> r.message().getQuestion().getName().toString().equals(name)).count();
    }

    @Test
    void dropLeavesTheClientWithoutAnswerAndNothingGoesUpstream() {
        proxy("drop name=example.com");

        assertThat(ask("example.com.", 1, 400)).isNull();
        Flow dropped = last();
        assertThat(dropped.outcome()).isEqualTo(Outcome.CHAOS_DROP);
        assertThat(dropped.chaos().rule()).isEqualTo("cli-1");
        assertThat(dropped.chaos().action()).isEqualTo("drop");
        assertThat(dropped.attempts()).isEmpty();
        assertThat(dropped.response()).isNull();
        assertThat(FlowJson.toJson(dropped)).contains("\"chaos\":{\"rule\":\"cli-1\",\"action\":\"drop\"}")
                .contains("\"outcome\":\"chaos_drop\"");
        assertThat(upstreamSaw("example.com.")).isZero();

        assertThat(ask("www.example.com.", 2, 2000).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(last().chaos()).isNull();
        assertThat(proxy.metrics().count("dnsflow.chaos.injected", "rule", "cli-1", "action", "drop")).isEqualTo(1.0);
        assertThat(proxy.metrics().total("dnsflow.responses") + proxy.metrics().total("dnsflow.drops"))
                .isEqualTo(proxy.metrics().total("dnsflow.queries"));
    }

    /** With a backtracking matcher this one query spun its event loop forever: all DNS stopped, SIGTERM too. */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aBacktrackingBombInARuleDropsWhatMatchesAndServesEverythingElse() {
        proxy("drop name=~((a+)+)+b");

        assertThat(ask("a".repeat(54) + ".example.com.", 1, 2000).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(ask("aaab.example.com.", 2, 400)).as("matched: dropped").isNull();
        assertThat(ask("www.example.com.", 3, 2000).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void corednsHealthProbesAreAnsweredUnlessTheRuleIncludesThem() {
        proxy("drop name=~.* rule=everything");
        Message probe = DnsClient.udp(proxy.address(), Wire.query(".", Type.NS, 7).toWire(), 2000);
        assertThat(probe).as("the . NS probe is answered").isNotNull();
        proxy.close();
        proxy("drop name=~.* include-probes=true");
        assertThat(DnsClient.udp(proxy.address(), Wire.query(".", Type.NS, 8).toWire(), 400)).isNull();
    }

    @Test
    void rcodeAnswersWithTheQuestionEchoedAndAsksNoUpstream() {
        proxy("rcode name=example.com rcode=SERVFAIL rule=fail");
        Message answer = ask("example.com.", 3, 2000);
        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(answer.getQuestion().getName().toString()).isEqualTo("example.com.");
        assertThat(last().outcome()).isEqualTo(Outcome.CHAOS_RCODE);
        assertThat(upstreamSaw("example.com.")).isZero();
    }

    @Test
    void truncateSendsUdpClientsToTcpAndLeavesTcpAlone() throws Exception {
        proxy("truncate name=example.com");
        Message udp = ask("example.com.", 4, 2000);
        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(udp.getSection(Section.ANSWER)).isEmpty();
        assertThat(last().outcome()).isEqualTo(Outcome.CHAOS_TRUNCATE);
        try (DnsClient.Tcp tcp = new DnsClient.Tcp(proxy.address())) {
            tcp.send(Wire.query("example.com.", Type.A, 5).toWire());
            Message answer = tcp.read();
            assertThat(answer.getHeader().getFlag(Flags.TC)).isFalse();
            assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        }
    }

    @Test
    void delayForwardsLaterAndTheAnswerIsReal() {
        proxy("delay name=example.com delay=300ms");
        long start = System.nanoTime();
        Message answer = ask("example.com.", 6, 3000);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        assertThat(tookMillis).isGreaterThanOrEqualTo(290);
        Flow flow = last();
        assertThat(flow.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(flow.chaos().delayMicros()).isEqualTo(300_000);
        assertThat(flow.attempts().get(0).rttMicros()).as("the upstream itself was fast").isLessThan(200_000);
    }

    @Test
    void delayResponseAsksAtOnceAndHoldsTheAnswerBack() {
        proxy("delay-response name=example.com delay=300ms");
        long start = System.nanoTime();
        Message answer = ask("example.com.", 7, 3000);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(290);
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        Flow flow = last();
        assertThat(flow.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ANSWERED);
        assertThat(flow.attempts().get(0).rttMicros()).isLessThan(200_000);
        assertThat(flow.durationMicros()).isGreaterThanOrEqualTo(290_000);
    }

    @Test
    void upstreamDropLetsTheQueryThroughAndLosesTheReply() {
        proxy("upstream-drop name=example.com");
        assertThat(ask("example.com.", 8, 500)).isNull();
        assertThat(upstreamSaw("example.com.")).isEqualTo(1);
        Flow flow = last();
        assertThat(flow.outcome()).isEqualTo(Outcome.CHAOS_UPSTREAM_DROP);
        assertThat(flow.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.ANSWERED);
    }

    @Test
    void apiChangesNeedTheTokenAndTakeEffectWithoutRestart() throws Exception {
        proxy(c -> c.adminToken(AdminToken.of(TOKEN)));
        String rule = "{\"match\": {\"name\": \"example.com\"}, \"action\": \"drop\"}";

        assertThat(put("drop-example", rule, null).statusCode()).isEqualTo(401);
        assertThat(put("drop-example", rule, "wrong").statusCode()).isEqualTo(401);
        assertThat(ask("example.com.", 9, 2000)).isNotNull();

        HttpResponse<String> created = put("drop-example", rule, TOKEN);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(ask("example.com.", 10, 400)).isNull();
        JsonNode listed = new ObjectMapper().readTree(get("/api/v1/chaos").body());
        assertThat(listed.get("rules").get(0).get("name").asText()).isEqualTo("drop-example");
        assertThat(listed.get("rules").get(0).get("source").asText()).isEqualTo("api");

        HttpResponse<String> bad = put("drop-example", "{\"action\": \"delay\"}", TOKEN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("delay: missing");
        assertThat(ask("example.com.", 11, 400)).as("the running rule stayed").isNull();

        assertThat(send("DELETE", "/api/v1/chaos/drop-example", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(ask("example.com.", 12, 2000)).as("resolution is back").isNotNull();
        assertThat(send("DELETE", "/api/v1/chaos/drop-example", null, TOKEN).statusCode()).isEqualTo(404);
        put("keep-me", rule, TOKEN);
        HttpResponse<String> emptyName = send("DELETE", "/api/v1/chaos/", null, TOKEN);
        assertThat(emptyName.statusCode()).as("an empty name is not 'all'").isEqualTo(400);
        assertThat(proxy.chaos().get("keep-me")).isNotNull();
    }

    @Test
    void apiChangesAreRefusedWhenNoTokenIsConfigured() throws Exception {
        proxy(c -> c);
        HttpResponse<String> r = put("x", "{\"action\": \"drop\"}", "anything");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("--admin-token-file");
        assertThat(get("/api/v1/chaos").statusCode()).isEqualTo(200);
    }

    @Test
    void aWatchedFileIsReloadedAndABadOneLeavesTheRunningRules() throws Exception {
        Path file = dir.resolve("chaos.yaml");
        Files.writeString(file, "rules:\n  - name: a\n    match: {name: a.example.com}\n    action: drop\n");
        proxy(c -> c.chaos(file, List.of()));
        assertThat(ask("a.example.com.", 1, 400)).isNull();

        Files.writeString(file, "rules:\n  - name: b\n    match: {name: b.example.com}\n    action: drop\n");
        awaitRule("b");
        assertThat(ask("a.example.com.", 2, 2000)).isNotNull();
        assertThat(ask("b.example.com.", 3, 400)).isNull();

        Files.writeString(file, "rules:\n  - name: c\n    action: delay\n");
        Thread.sleep(2500);
        assertThat(proxy.chaos().list()).extracting(ChaosRule::name).containsExactly("b");
    }

    @Test
    void aRuleWithAnExpiryEndsByItself() throws Exception {
        proxy("drop name=example.com for=500ms");
        assertThat(ask("example.com.", 1, 300)).isNull();
        Thread.sleep(600);
        assertThat(ask("example.com.", 2, 2000)).isNotNull();
    }

    private void awaitRule(String name) throws InterruptedException {
        long until = System.currentTimeMillis() + 5000;
        while (proxy.chaos().get(name) == null && System.currentTimeMillis() < until) {
            Thread.sleep(50);
        }
        assertThat(proxy.chaos().get(name)).isNotNull();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    private HttpResponse<String> put(String name, String body, String token) throws Exception {
        return send("PUT", "/api/v1/chaos/" + name, body, token);
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
