package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.NamingEnricher;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;
import picocli.CommandLine;

/** {@code dnsflow observe} against a real dnsflow: a proxy with its admin API, a scripted upstream, real queries. */
class ObserveCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private ScriptedUpstream upstream;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** Names starting with "nx" are NXDOMAIN, AAAA has no records (NODATA), the rest is 192.0.2.1. */
    private DnsProxy proxy(int flowBuffer) throws Exception {
        return proxy(flowBuffer, dev.dnsflow.plan.Flags.none());
    }

    private DnsProxy proxy(int flowBuffer, dev.dnsflow.plan.Flags flags) throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> {
            if (q.getQuestion().getName().toString().startsWith("nx")) {
                Message m = Wire.answer(q);
                m.getHeader().setRcode(Rcode.NXDOMAIN);
                return m;
            }
            return q.getQuestion().getType() == Type.AAAA ? Wire.answer(q) : Wire.answer(q, "192.0.2.1");
        }));
        open.add(upstream);
        DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .admin(new InetSocketAddress("127.0.0.1", 0)).flowBuffer(flowBuffer).eventLoops(1).flags(flags).build());
        open.add(proxy);
        return proxy;
    }

    /** Three flows, in this order: example.com A (NOERROR), nx.example.com A (NXDOMAIN), www.example.com AAAA (NODATA). */
    private DnsProxy proxyWithThreeFlows() throws Exception {
        DnsProxy proxy = proxy(1000);
        query(proxy, "example.com.", Type.A, 101);
        query(proxy, "nx.example.com.", Type.A, 102);
        query(proxy, "www.example.com.", Type.AAAA, 103);
        proxy.recorder().drain(2000);
        return proxy;
    }

    private static void query(DnsProxy proxy, String name, int type, int id) {
        assertThat(DnsClient.udp(proxy.address(), Wire.query(name, type, id))).as("answer to " + name).isNotNull();
    }

    private static String server(DnsProxy proxy) {
        return "http://127.0.0.1:" + proxy.adminAddress().getPort();
    }

    private static CliRun run(String... args) {
        return CliRun.of(new ObserveCommand(), args);
    }

    private static CommandLine command(StringWriter out, StringWriter err) {
        CommandLine cmd = new CommandLine(new ObserveCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd;
    }

    @Test
    void compactPrintsOneLinePerFlowOldestFirstWithBothIdsAndNoColourWhenPiped() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();
        String up = "127\\.0\\.0\\.1:" + upstream.address().getPort();

        CliRun r = run("--server", server(proxy));

        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).doesNotContain("\u001b[");
        assertThat(r.lines()).hasSize(3);
        String start = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  127\\.0\\.0\\.1:\\d+ udp id=";
        String attempt = " → dnsflow → " + up + " udp id=\\d+ [0-9.]+ms  ";
        assertThat(r.lines().get(0)).matches(start + "101" + attempt + "example\\.com\\. A  NOERROR 192\\.0\\.2\\.1  [0-9.]+ms total");
        assertThat(r.lines().get(1)).matches(start + "102" + attempt + "nx\\.example\\.com\\. A  NXDOMAIN  [0-9.]+ms total");
        assertThat(r.lines().get(2)).matches(start + "103" + attempt + "www\\.example\\.com\\. AAAA  NOERROR  [0-9.]+ms total");

        assertThat(run("--server", server(proxy), "--last", "1").lines()).singleElement().asString().contains("id=103 ");
    }

    @Test
    void coloursByOutcomeWhenAsked() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();

        List<String> lines = run("--server", server(proxy), "--color=always").lines();

        assertThat(lines.get(0)).contains("  \u001b[32mNOERROR 192.0.2.1\u001b[0m  ");
        assertThat(lines.get(1)).contains("  \u001b[33mNXDOMAIN\u001b[0m  ");
        assertThat(lines.get(2)).as("NODATA").contains("  \u001b[33mNOERROR\u001b[0m  ");
        assertThat(run("--server", server(proxy), "-o", "table", "--color", "always").out()).contains("\u001b[33mNXDOMAIN\u001b[0m");
    }

    @Test
    void tablePrintsAHeaderAndAlignedColumns() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();

        CliRun r = run("--server", server(proxy), "-o", "table");

        assertThat(r.code()).isZero();
        List<String> lines = r.lines();
        assertThat(lines).hasSize(4);
        String header = lines.get(0);
        assertThat(header).matches("TIME +CLIENT +ID +UPSTREAM +SENT-ID +NAME +TYPE +RCODE +OUTCOME +RTT +TOTAL");
        String[][] expected = {
            {"example.com.", "A", "NOERROR", "answered"},
            {"nx.example.com.", "A", "NXDOMAIN", "answered"},
            {"www.example.com.", "AAAA", "NOERROR", "answered"}};
        for (int i = 0; i < expected.length; i++) {
            String row = lines.get(i + 1);
            assertThat(row.substring(header.indexOf("CLIENT"))).startsWith("127.0.0.1:").contains("/udp ");
            assertThat(row.substring(header.indexOf("ID "))).startsWith(String.valueOf(101 + i) + " ");
            assertThat(row.substring(header.indexOf("UPSTREAM"))).startsWith("127.0.0.1:" + upstream.address().getPort() + " ");
            assertThat(row.substring(header.indexOf("SENT-ID"))).matches("\\d+ .*");
            assertThat(row.substring(header.indexOf("NAME"))).startsWith(expected[i][0] + " ");
            assertThat(row.substring(header.indexOf("TYPE"))).startsWith(expected[i][1] + " ");
            assertThat(row.substring(header.indexOf("RCODE"))).startsWith(expected[i][2] + " ");
            assertThat(row.substring(header.indexOf("OUTCOME"))).startsWith(expected[i][3] + " ");
            assertThat(row.substring(header.indexOf("RTT"))).matches("[0-9.]+ms +[0-9.]+ms");
        }
    }

    @Test
    void jsonIsOneFlowPerLineExactlyAsTheApiSendsIt() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();
        HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server(proxy) + "/api/v1/flows?limit=3")).build(), HttpResponse.BodyHandlers.ofString());
        List<JsonNode> newestFirst = new ArrayList<>();
        JSON.readTree(api.body()).forEach(newestFirst::add);

        CliRun r = run("--server", server(proxy), "-o", "json", "--color=always");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            String line = r.lines().get(i);
            assertThat(line).doesNotContain("\n").doesNotContain("\u001b[").startsWith("{\"id\":\"");
            assertThat(JSON.readTree(line)).isEqualTo(newestFirst.get(2 - i));
        }
        JsonNode first = JSON.readTree(r.lines().get(0));
        List<String> fields = new ArrayList<>();
        first.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("id", "time", "client", "query", "attempts", "response", "duration_us", "outcome");
        assertThat(first.at("/query/id").asInt()).isEqualTo(101);
        assertThat(first.at("/query/name").asText()).isEqualTo("example.com.");
        assertThat(first.at("/attempts/0/rtt_us").isNumber()).isTrue();
        assertThat(first.at("/response/addresses/0").asText()).isEqualTo("192.0.2.1");
    }

    @Test
    void yamlIsOneDocumentPerFlowWithTheSameData() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();

        CliRun r = run("--server", server(proxy), "-o", "yaml");
        CliRun json = run("--server", server(proxy), "-o", "json");

        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("---\n");
        String[] documents = r.out().substring(4).split("(?m)^---\n");
        assertThat(documents).hasSize(3);
        assertThat(documents[0]).contains("\nquery:\n").contains("\n  name: \"example.com.\"\n").contains("\nattempts:\n- upstream: ");
        Iterator<JsonNode> parsed = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(r.out());
        for (String line : json.lines()) {
            assertThat(parsed.next()).isEqualTo(JSON.readTree(line));
        }
        assertThat(parsed.hasNext()).isFalse();
    }

    @Test
    void passesTheFiltersToTheApi() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();
        String s = server(proxy);

        assertThat(run("--server", s, "--rcode", "NXDOMAIN").lines()).singleElement().asString()
                .contains(" nx.example.com. A  NXDOMAIN ");
        assertThat(run("--server", s, "--name", "*.example.com", "--type", "AAAA").lines()).singleElement().asString()
                .contains(" www.example.com. AAAA ");
        assertThat(run("--server", s, "--type", "A", "--outcome", "answered", "--client", "127.0.0.0/8",
                "--upstream", "127.0.0.1:" + upstream.address().getPort(), "--min-duration", "1us").lines()).hasSize(2);
        // '+' must arrive as '+', not as a space: the values are URL-encoded.
        assertThat(run("--server", s, "--since", "2000-01-01T00:00:00+00:00").lines()).hasSize(3);
        CliRun none = run("--server", s, "--since", "2100-01-01T00:00:00+00:00");
        assertThat(none.code()).isZero();
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains("no flows match these filters");
    }

    @Test
    void selectsByWhatTheCacheDidAndShowsItInJson() throws Exception {
        DnsProxy proxy = proxy(1000, dev.dnsflow.plan.Flags.of(java.util.Map.of(dev.dnsflow.cache.CachePlugin.FLAG, "true")));
        query(proxy, "example.com.", Type.A, 101);
        query(proxy, "example.com.", Type.A, 102);
        proxy.recorder().drain(2000);
        String s = server(proxy);

        assertThat(run("--server", s, "--cache", "hit").lines()).singleElement().asString().contains(" id=102 ");
        assertThat(run("--server", s, "--cache", "miss").lines()).singleElement().asString().contains(" id=101 ");
        assertThat(run("--server", s, "--cache", "miss,hit").lines()).hasSize(2);
        JsonNode hit = JSON.readTree(run("--server", s, "--cache", "hit", "-o", "json").out());
        assertThat(hit.at("/cache/result").asText()).isEqualTo("hit");
        assertThat(hit.at("/cache/ttl_left").isNumber()).isTrue();
        assertThat(hit.at("/attempts").size()).as("a hit has no attempts").isZero();
        CliRun bad = run("--server", s, "--cache", "warm");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--cache").contains("hit, miss, prefetch, stale");
    }

    /** With Kubernetes names: example.com is asked by default/mypod, the others by addresses the cluster does not know. */
    @Test
    void selectsByWhoAskedInTheClusterAndPrintsTheirNamesInsteadOfAddresses() throws Exception {
        DnsProxy proxy = proxy(1000);
        proxy.recorder().enricher(new NamingEnricher(f -> f.query().name().equals("example.com.") ? Flows.MYPOD : null));
        query(proxy, "example.com.", Type.A, 101);
        query(proxy, "nx.example.com.", Type.A, 102);
        proxy.recorder().drain(2000);
        String s = server(proxy);

        assertThat(run("--server", s).lines()).satisfiesExactly(
                l -> assertThat(l).contains("  default/mypod udp id=101 → dnsflow → "),
                l -> assertThat(l).matches(".*  127\\.0\\.0\\.1:\\d+ udp id=102 .*"));
        for (String[] filter : new String[][] {{"-n", "default"}, {"--namespace", "default"}, {"--pod", "my*"},
            {"--workload", "Deployment/web"}, {"--node", "worker-1"}}) {
            assertThat(run("--server", s, filter[0], filter[1]).lines()).as(filter[0]).singleElement().asString()
                    .contains(" default/mypod udp id=101 ");
        }
        assertThat(run("--server", s, "-n", "kube-system").err()).contains("no flows match these filters");
        List<String> table = run("--server", s, "-o", "table").lines();
        assertThat(table.get(1).substring(table.get(0).indexOf("CLIENT"))).startsWith("default/mypod ");
        assertThat(table.get(2).substring(table.get(0).indexOf("CLIENT"))).startsWith("127.0.0.1:");
        assertThat(run("--server", s, "-o", "json", "--pod", "mypod").out()).as("the address stays in json")
                .contains("\"client\":{\"ip\":\"127.0.0.1\"").contains("\"k8s\":{\"kind\":\"pod\"");

        CliRun bad = run("--server", s, "--pod", "Web_1");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("--pod: 'Web_1' is not a pod name");
        assertThat(run("--server", s, "--workload", "a/b/c").err()).startsWith("--workload: ");
        assertThat(run("--server", s, "-n", "Default").err()).startsWith("--namespace: ");
        assertThat(run("--server", s, "--node", "x y").err()).startsWith("--node: ");
    }

    @Test
    void helpShowsTheClusterFiltersWithAnExample() {
        String help = run("--help").out();
        assertThat(help).contains("-n, --namespace=NAMESPACE").contains("--pod=NAME").contains("--workload=[KIND/]NAME")
                .contains("--node=NAME").contains("dnsflow observe -n default --pod 'web-*' -f");
    }

    @Test
    void followPrintsTheLastFlowsThenNewOnesUntilDnsflowStops() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread observer = new Thread(() -> code.set(command(out, err).execute("--server", server(proxy), "--follow", "--last", "1")));
        observer.start();

        waitFor(() -> out.toString().contains("www.example.com."), "the --last flow");
        int sent = 0;
        while (!out.toString().contains("follow.example.com.") && sent < 20) {
            query(proxy, "follow.example.com.", Type.A, 500 + sent++);
            waitFor(() -> out.toString().contains("follow.example.com."), null);
        }

        assertThat(out.toString()).contains("follow.example.com. A  NOERROR 192.0.2.1");
        assertThat(out.toString().lines().filter(l -> l.contains("www.example.com."))).as("not repeated").hasSize(1);
        assertThat(out.toString()).doesNotContain("nx.example.com.");
        open.remove(proxy);
        proxy.close();
        observer.join(10_000);
        assertThat(observer.isAlive()).isFalse();
        assertThat(code.get()).isEqualTo(1);
        assertThat(err.toString()).contains("ended the flow stream");
    }

    @Test
    void reportsGapsInTheStreamOnStderrNotStdout() throws Exception {
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/api/v1/flows", exchange -> {
            boolean stream = exchange.getRequestURI().getPath().endsWith("/stream");
            String body = stream ? "{\"gap\":{\"skipped\":5}}\n\n" + FlowJson.toJson(Flows.sample()) + "\n" : "[]\n";
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body.getBytes(StandardCharsets.UTF_8));
            }
        });
        fake.start();
        open.add(() -> fake.stop(0));

        CliRun r = run("--server", "http://127.0.0.1:" + fake.getAddress().getPort(), "-f", "-o", "json");

        assertThat(r.lines()).singleElement().satisfies(l -> assertThat(JSON.readTree(l).at("/query/id").asInt()).isEqualTo(29008));
        assertThat(r.err()).contains("… 5 flows skipped (this reader was too slow)\n");
    }

    @Test
    void warnsWhenTheRingHasOverwrittenFlowsAskedFor() throws Exception {
        DnsProxy proxy = proxy(3);
        for (int i = 0; i < 10; i++) {
            query(proxy, "q" + i + ".example.com.", Type.A, 200 + i);
        }
        proxy.recorder().drain(2000);

        CliRun r = run("--server", server(proxy), "--last", "10", "--since", "1h");

        assertThat(r.code()).isZero();
        assertThat(r.lines()).hasSize(3);
        assertThat(r.lines().get(2)).contains("q9.example.com.");
        String gap = "warning: 7 older flows were overwritten; the oldest kept is from \\S+ \\(raise --flow-buffer to keep more\\)\n";
        assertThat(r.err()).matches(gap);
        assertThat(run("--server", server(proxy), "--last", "10").err()).as("no since: nothing asked for is missing").isEmpty();
        CliRun since = run("--server", server(proxy), "--last", "3", "--since", "1h");
        assertThat(since.lines()).hasSize(3);
        assertThat(since.err()).matches(gap);
        assertThat(run("--server", server(proxy), "--last", "3").err()).as("all asked for were kept").isEmpty();
    }

    @Test
    void anUnreachableServerIsOneLineAndExitCode1() throws Exception {
        int port = dev.dnsflow.peers.Peers.freePort(); // nothing listens there

        CliRun r = run("--server", "http://127.0.0.1:" + port);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("dnsflow observe: cannot reach the dnsflow admin API at http://127.0.0.1:" + port
                + ": connection refused (is dnsflow running? see --server)\n");
    }

    @Test
    void aValueTheApiRejectsIsReportedWithItsFlagAndExitCode2() throws Exception {
        DnsProxy proxy = proxyWithThreeFlows();

        CliRun r = run("--server", server(proxy), "--type", "NOPE");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("--type: unknown value 'NOPE'");
        assertThat(run("--server", server(proxy), "--min-duration", "soon").err()).startsWith("--min-duration: ");
        assertThat(run("--server", server(proxy), "-f", "--last", "0", "--rcode", "BOGUS").code()).isEqualTo(2);
    }

    @Test
    void badFlagValuesAreCaughtBeforeAnyRequestWithExitCode2() {
        assertThat(run("-o", "xml").code()).isEqualTo(2);
        assertThat(run("-o", "xml").err()).contains("'xml' is not an output format");
        assertThat(run("--last", "many").code()).isEqualTo(2);
        assertThat(run("--last", "0").err()).contains("--last");
        assertThat(run("--server", "ftp://x").err()).contains("--server");
        assertThat(run("--color", "sometimes").code()).isEqualTo(2);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + (what == null ? 500_000_000L : 5_000_000_000L);
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        if (what != null) {
            assertThat(condition.getAsBoolean()).as(what).isTrue();
        }
    }
}
