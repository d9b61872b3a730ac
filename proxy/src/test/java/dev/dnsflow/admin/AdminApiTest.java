package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The admin API as an operator's curl and jq see it. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ScriptedUpstream upstream;
    private DnsProxy proxy;
    private String base;

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedUpstream.start((q, reply) -> {
            String name = q.message().getQuestion().getName().toString();
            if (name.startsWith("lost")) {
                return;
            }
            Message m = Wire.answer(q.message(), name.startsWith("nx") ? new String[0] : new String[] {"192.0.2.1"});
            if (name.startsWith("nx")) {
                m.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            reply.send(m);
        });
        proxy = start(100);
    }

    private DnsProxy start(int flowBuffer) {
        DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .admin(new InetSocketAddress("127.0.0.1", 0)).flowBuffer(flowBuffer).eventLoops(1)
                .forward(ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(100), Duration.ofMillis(250))
                        .health(1, Duration.ofSeconds(60)).build()).build());
        base = "http://127.0.0.1:" + p.adminAddress().getPort();
        return p;
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private void ask(String name, int type) {
        DnsClient.udp(proxy.address(), Wire.query(name, type, 4242));
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        proxy.recorder().drain(2000);
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> names(String query) throws Exception {
        return new AdminHttp(proxy).names(query);
    }

    @Test
    void listsFlowsNewestFirstAndFiltersThem() throws Exception {
        ask("a.example.com.", Type.A);
        ask("b.example.com.", Type.AAAA);
        ask("nx.example.org.", Type.A);
        ask("lost.example.com.", Type.TXT);

        assertThat(names("")).containsExactly("lost.example.com.", "nx.example.org.", "b.example.com.", "a.example.com.");
        assertThat(names("?limit=2")).containsExactly("lost.example.com.", "nx.example.org.");
        assertThat(names("?name=A.example.com")).containsExactly("a.example.com.");
        assertThat(names("?name=*.example.com")).containsExactly("lost.example.com.", "b.example.com.", "a.example.com.");
        assertThat(names("?name=~%5E(a%7Cb)%5C.")).containsExactly("b.example.com.", "a.example.com.");
        assertThat(names("?type=AAAA,TXT")).containsExactly("lost.example.com.", "b.example.com.");
        assertThat(names("?rcode=NXDOMAIN")).containsExactly("nx.example.org.");
        assertThat(names("?outcome=servfail")).containsExactly("lost.example.com.");
        assertThat(names("?min_duration=200ms")).containsExactly("lost.example.com.");
        assertThat(names("?client=127.0.0.0/8&type=A")).containsExactly("nx.example.org.", "a.example.com.");
        assertThat(names("?client=10.0.0.0/8")).isEmpty();
        assertThat(names("?upstream=127.0.0.1&outcome=answered")).hasSize(3);
        assertThat(names("?upstream=127.0.0.1:" + upstream.address().getPort() + "&name=a.example.com")).hasSize(1);
        assertThat(names("?since=5m")).hasSize(4);
        assertThat(names("?until=2000-01-01T00:00:00Z")).isEmpty();
        assertThat(names("?since=2000-01-01T00:00:00+00:00")).as("an unencoded + in the offset").hasSize(4);
        assertThat(names("?min_duration=0&since=1m30s")).hasSize(4);
    }

    @Test
    void rejectsUnknownFiltersAndBadValuesNamingThem() throws Exception {
        for (String[] c : new String[][] {
            {"?nmae=x", "unknown filter 'nmae'"}, {"?type=NOPE", "type"}, {"?rcode=BAD", "rcode"},
            {"?outcome=lost", "outcome"}, {"?client=10.0.0.0/99", "client"}, {"?min_duration=5", "min_duration"},
            {"?since=yesterday", "since"}, {"?limit=0", "limit"}, {"?name=~(", "name"}, {"?type=A&type=AAAA", "type"},
            {"?upstream=localhost", "upstream"}, {"?since=1m&until=2m", "until: before since"},
            {"?cache=warm", "cache: unknown value 'warm' (hit, miss, prefetch, stale, refresh)"}}) {
            HttpResponse<String> r = get("/api/v1/flows" + c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.body()).as(c[0]).contains(c[1]);
        }
    }

    /** What curl -g sends for {@code name=~a|b}: the JDK server answered its own HTML 400 before any handler. */
    @Test
    void unencodedRegexCharactersInAFilterWork() throws Exception {
        ask("a.example.com.", Type.A);
        ask("b.example.com.", Type.A);
        ask("aa.example.org.", Type.A);
        proxy.recorder().drain(2000);
        String[] r = raw("/api/v1/flows?name=~^(a|b)\\.example\\.com");
        assertThat(r[0]).as(r[1]).contains(" 200 ");
        assertThat(r[1]).contains("\"b.example.com.\"").contains("\"a.example.com.\"").doesNotContain("aa.example.org");
        r = raw("/api/v1/flows?name=~^a{2}\\.");
        assertThat(r[0]).as(r[1]).contains(" 200 ");
        assertThat(r[1]).contains("aa.example.org.").doesNotContain("\"a.example.com.\"");
        r = raw("/api/v1/flows?name=~a{2,1}");
        assertThat(r[0]).as(r[1]).contains(" 400 ");
        assertThat(r[0]).containsIgnoringCase("content-type: text/plain");
        assertThat(r[1]).startsWith("name:");
        r = raw("/api/v1/flows?name=~%zz|\"<>`");
        assertThat(r[0]).as(r[1]).containsAnyOf(" 200 ", " 400 ");
        assertThat(r[1]).doesNotContain("URISyntaxException").doesNotContain("<h1>");
        r = raw("/api/v1/top?by=name&name=~^(a|b)\\.");
        assertThat(r[0]).as(r[1]).contains(" 200 ");
        assertThat(r[1]).contains("\"flows\":2");
    }

    /** A request sent as written, then the status line and headers, and the body. */
    private String[] raw(String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.adminAddress().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            return new String[] {all.substring(0, end), all.substring(end + 4)};
        }
    }

    @Test
    void anUpstreamPortOutsideOneTo65535IsRejectedNamingUpstream() throws Exception {
        for (String bad : new String[] {"1.2.3.4:99999", "1.2.3.4:0", "1.2.3.4:65536", "%5B::1%5D:70000", "%5B::1%5D:",
            "1.2.3.4:123456789012"}) {
            HttpResponse<String> r = get("/api/v1/flows?upstream=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).startsWith("upstream:");
        }
        assertThat(get("/api/v1/flows?upstream=1.2.3.4:65535").statusCode()).isEqualTo(200);
        ask("a.example.com.", Type.A);
        assertThat(names("?upstream=127.0.0.1:0" + upstream.address().getPort())).as("leading zeros are the same port")
                .containsExactly("a.example.com.");
    }

    @Test
    void healthReadyAndMetricsMatchTheirPathExactly() throws Exception {
        for (String path : new String[] {"/health/anything", "/healthz", "/ready/x", "/metrics/x"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).contains("no such endpoint: " + path);
        }
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aBacktrackingBombInANameFilterIsAnsweredAndNeverStallsTheRecorder() throws Exception {
        String longName = "a".repeat(54) + ".example.com.";
        HttpResponse<java.util.stream.Stream<String>> live = stream("name=~((a%2B)%2B)%2Bb", "application/x-ndjson");
        ask(longName, Type.A);
        ask("aaab.example.com.", Type.A);

        assertThat(names("?name=~((a%2B)%2B)%2Bb")).as("answered at all").containsExactly("aaab.example.com.");
        assertThat(JSON.readTree(firstLines(live, 1).get(0)).get("query").get("name").asText())
                .as("the stream's filter ran on the recorder thread and it went on").isEqualTo("aaab.example.com.");
        assertThat(names("?limit=1")).as("the ring still takes flows").containsExactly("aaab.example.com.");
    }

    /** Clients that ask for the whole ring and never read used to hold a thread each, without limit. */
    @Test
    void readersThatNeverReadHoldABoundedNumberOfThreadsAndTheRestAreToldToComeBack() throws Exception {
        proxy.close();
        proxy = start(20_000);
        for (int i = 0; i < 20_000; i++) {
            proxy.recorder().accept(dev.dnsflow.testing.Flows.sample());
            if (i % 1000 == 0) {
                proxy.recorder().drain(5000);
            }
        }
        proxy.recorder().drain(5000);
        List<Socket> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < 150; i++) {
                Socket s = new Socket("127.0.0.1", proxy.adminAddress().getPort());
                s.setReceiveBufferSize(4096);
                s.getOutputStream().write("GET /api/v1/flows?limit=100000 HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                stuck.add(s);
            }
            Thread.sleep(1500);
            long adminThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("dnsflow-admin")).count();
            assertThat(adminThreads).isLessThanOrEqualTo(AdminServer.MAX_THREADS);
            HttpResponse<String> busy = get("/api/v1/flows?limit=10");
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
            assertThat(busy.body()).contains("too many flow reads at once");
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(get("/health").statusCode()).as("the rest of the API still answers").isEqualTo(200);
            assertThat(DnsClient.udp(proxy.address(), Wire.query("a.example.com.", Type.A, 1)).getRcode())
                    .isEqualTo(Rcode.NOERROR);
        } finally {
            for (Socket s : stuck) {
                s.close();
            }
        }
    }

    @Test
    void returnsOneFlowByIdAnd404OnceItIsGone() throws Exception {
        ask("a.example.com.", Type.A);
        JsonNode listed = JSON.readTree(get("/api/v1/flows").body()).get(0);
        HttpResponse<String> one = get("/api/v1/flows/" + listed.get("id").asText());
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body())).isEqualTo(listed);
        assertThat(get("/api/v1/flows/01NOPE").statusCode()).isEqualTo(404);
    }

    @Test
    void saysSoWhenTheRingHasOverwrittenFlowsAskedFor() throws Exception {
        proxy.close();
        proxy = start(3);
        for (int i = 0; i < 6; i++) {
            ask("n" + i + ".example.com.", Type.A);
        }
        HttpResponse<String> r = get("/api/v1/flows?limit=10&since=1h");
        assertThat(JSON.readTree(r.body())).hasSize(3);
        assertThat(r.headers().firstValue(FlowsApi.GAP_HEADER)).hasValueSatisfying(v ->
                assertThat(v).contains("3 older flows were overwritten").contains("--flow-buffer"));
        HttpResponse<String> recent = get("/api/v1/flows?limit=2");
        assertThat(recent.headers().firstValue(FlowsApi.GAP_HEADER)).as("nothing asked for is missing").isEmpty();
        assertThat(recent.headers().firstValue(FlowsApi.OLDEST_HEADER)).isPresent();
    }

    @Test
    void streamsMatchingFlowsAsNdjsonAndAsServerSentEvents() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> ndjson = stream("name=*.live.example&type=A", "application/x-ndjson");
        HttpResponse<java.util.stream.Stream<String>> sse = stream("name=*.live.example", "text/event-stream");
        assertThat(ndjson.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/x-ndjson"));
        assertThat(sse.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        ask("other.example.com.", Type.A);
        ask("x.live.example.", Type.AAAA);
        ask("y.live.example.", Type.A);

        List<String> nd = firstLines(ndjson, 1);
        assertThat(JSON.readTree(nd.get(0)).get("query").get("name").asText()).isEqualTo("y.live.example.");
        List<String> events = firstLines(sse, 2);
        assertThat(events).allSatisfy(e -> assertThat(e).startsWith("data: {"));
        assertThat(events.stream().map(e -> name(e.substring(6)))).containsExactly("x.live.example.", "y.live.example.");
    }

    @Test
    void skipsAndCountsFlowsForAStreamThatReadsTooSlowlyWithoutSlowingDns() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", proxy.adminAddress().getPort())) {
            slow.setReceiveBufferSize(4096);
            slow.getOutputStream().write("GET /api/v1/flows/stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(300); // let the stream register; then never read
            for (int i = 0; i < 30_000; i++) {
                proxy.recorder().accept(Flows.sample());
            }
            proxy.recorder().drain(5000);
            assertThat(proxy.metrics().count("dnsflow.flows.dropped", "sink", "stream")).isPositive();

            long start = System.nanoTime();
            Message answer = DnsClient.udp(proxy.address(), Wire.query("a.example.com.", Type.A, 9));
            assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);

            slow.setSoTimeout(10_000);
            BufferedReader r = new BufferedReader(new InputStreamReader(slow.getInputStream(), StandardCharsets.UTF_8));
            String line;
            boolean gap = false;
            while (!gap && (line = r.readLine()) != null) {
                gap = line.startsWith("{\"gap\":{\"skipped\":");
            }
            assertThat(gap).as("the slow reader is told how many flows it missed").isTrue();
        }
    }

    @Test
    void ranksNamesAndUpstreamsByCount() throws Exception {
        ask("a.example.com.", Type.A);
        ask("a.example.com.", Type.A);
        ask("lost.example.com.", Type.A);
        JsonNode byName = JSON.readTree(get("/api/v1/top?by=name&window=1m").body());
        assertThat(byName.get("flows").asInt()).isEqualTo(3);
        assertThat(byName.get("items").get(0).get("key").asText()).isEqualTo("a.example.com.");
        assertThat(byName.get("items").get(0).get("count").asInt()).isEqualTo(2);
        JsonNode byUpstream = JSON.readTree(get("/api/v1/top?by=upstream&outcome=servfail").body());
        JsonNode row = byUpstream.get("items").get(0);
        assertThat(row.get("key").asText()).isEqualTo("127.0.0.1:" + upstream.address().getPort());
        assertThat(row.get("outcomes").get("timeout").asInt()).isEqualTo(row.get("count").asInt()).isPositive();
        assertThat(get("/api/v1/top?by=asker").statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/top?window=forever").body()).contains("window");
    }

    @Test
    void ranksNamesCaseInsensitivelyAndUnreadableQueriesUnderAKeyOfTheirOwn() throws Exception {
        ask("A.Example.COM.", Type.A);
        ask("a.example.com.", Type.A);
        // A header announcing a question that is not there: answered FORMERR, recorded without a name.
        DnsClient.udpRaw(proxy.address(), new byte[] {0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 1000);
        proxy.recorder().drain(5000);

        JsonNode items = JSON.readTree(get("/api/v1/top?by=name&window=1m").body()).get("items");

        assertThat(items).hasSize(2);
        assertThat(items.get(0).get("key").asText()).isEqualTo("a.example.com.");
        assertThat(items.get(0).get("count").asInt()).isEqualTo(2);
        assertThat(items.get(1).get("key").asText()).isEqualTo("(no question)");
    }

    @Test
    void everySinksDropCounterIsThereAtZeroBeforeAnyDrop() throws Exception {
        String metrics = get("/metrics").body();

        for (String sink : List.of("recorder", "ring", "stream")) {
            assertThat(metrics).contains("dnsflow_flows_dropped_total{sink=\"" + sink + "\"} 0.0");
        }
    }

    @Test
    void servesPrometheusMetricsThatPromtoolAccepts() throws Exception {
        ask("a.example.com.", Type.A);
        ask("lost.example.com.", Type.A);
        DnsClient.udpRaw(proxy.address(), new byte[] {0x12, 0x34, 0, 0, 0}, 1000);
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("dnsflow_queries_total{transport=\"udp\",type=\"A\"} 2.0")
                .contains("dnsflow_request_duration_seconds_bucket{outcome=\"servfail\",le=\"0.25\"}")
                .contains("dnsflow_upstream_rtt_seconds_count").contains("dnsflow_upstream_timeouts_total")
                .contains("jvm_memory_used_bytes").contains("dnsflow_netty_allocator_used_bytes");

        Path promtool = Peers.require("promtool");
        Path file = Files.createTempFile("metrics", ".txt");
        Files.writeString(file, r.body());
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Files.delete(file);
    }

    @Test
    void isReadyWhileAnUpstreamIsHealthy() throws Exception {
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        ask("lost.example.com.", Type.A); // one failure marks the only upstream down (max-fails 1)
        HttpResponse<String> r = get("/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("no upstream is healthy");
    }

    private HttpResponse<java.util.stream.Stream<String>> stream(String query, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/flows/stream?" + query)).header("Accept", accept)
                .build(), HttpResponse.BodyHandlers.ofLines());
    }

    private static List<String> firstLines(HttpResponse<java.util.stream.Stream<String>> r, int n) throws Exception {
        var lines = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                r.body().filter(l -> !l.isBlank()).limit(n).toList());
        return lines.get(5, TimeUnit.SECONDS);
    }

    private static String name(String json) {
        try {
            return JSON.readTree(json).get("query").get("name").asText();
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }
}
