package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The shipped monitoring artifacts — the Grafana dashboard {@code deploy/base/dnsflow.json} and the
 * PrometheusRule {@code deploy/base/dnsflow-rules.yaml} — are well-formed, pass {@code promtool},
 * and only chart metrics a running proxy really exports. A renamed meter or a typo in a panel
 * fails here instead of showing an empty graph in production.
 */
class MonitoringArtifactsTest {

    /** The k8s module directory (surefire sets {@code basedir}; an IDE usually runs in it). */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
    private static final Path DASHBOARD = MODULE.resolve("deploy/base/dnsflow.json");
    private static final Path RULES = MODULE.resolve("deploy/base/dnsflow-rules.yaml");

    /**
     * Metrics the dashboard or the rules reference although no proxy exports them yet, each with
     * the change that brings it. When one appears in the scrape, the test fails until it is
     * removed from here, so this list only ever shrinks.
     */
    static final Map<String, String> NOT_YET_EXPORTED = Map.of();

    /** Metric names as PromQL references them: ours and the JVM's. Label names never start like this. */
    private static final Pattern METRIC_REFERENCE = Pattern.compile("\\b(?:dnsflow|jvm)_[a-zA-Z0-9_]+\\b");
    /** The alerts operators are told about; each must exist with its severity. */
    private static final Map<String, String> EXPECTED_ALERTS = Map.of(
            "DnsflowUpstreamTimeoutRatioHigh", "warning",
            "DnsflowServfailRatioHigh", "warning",
            "DnsflowLatencyP99High", "warning",
            "DnsflowUpstreamDown", "warning",
            "DnsflowAllUpstreamsDown", "critical",
            "DnsflowFlowsDropped", "info");

    /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
    private static final Logger RECORDER_LOG = Logger.getLogger(FlowRecorder.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    /** One proxy run serves both scrape tests; see {@link #scrapeOfAProxyThatSawEverything()}. */
    private static String scrape;

    @TempDir
    Path temp;

    // ------------------------------------------------------------------------------------ dashboard

    @Test
    void theDashboardIsImportableJsonWithDatasourceInstanceAndUpstreamVariables() throws IOException {
        JsonNode dashboard = dashboard();

        assertThat(dashboard.path("title").asText()).isEqualTo("dnsflow");
        assertThat(dashboard.path("uid").asText()).isEqualTo("dnsflow");
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v));
        assertThat(variables).containsKeys("datasource", "instance", "upstream");
        assertThat(variables.get("datasource").path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get("datasource").path("query").asText()).isEqualTo("prometheus");
        for (String name : List.of("instance", "upstream")) {
            JsonNode v = variables.get(name);
            assertThat(v.path("type").asText()).as(name).isEqualTo("query");
            assertThat(v.path("datasource").path("uid").asText()).as(name).isEqualTo("${datasource}");
            assertThat(v.path("definition").asText()).as(name).startsWith("label_values(").endsWith(", " + name + ")");
        }
    }

    @Test
    void everyDashboardPanelQueriesTheDatasourceVariableAndHasAUniqueIdAndAPosition() throws IOException {
        List<JsonNode> panels = panels(dashboard());

        assertThat(panels).hasSizeGreaterThan(20);
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt(-1))).as("unique id of panel %s", title).isTrue();
            assertThat(panel.path("datasource").path("uid").asText()).as("datasource of panel %s", title)
                    .isEqualTo("${datasource}");
            JsonNode grid = panel.path("gridPos");
            for (String field : List.of("h", "w", "x", "y")) {
                assertThat(grid.path(field).isInt()).as("gridPos.%s of panel %s", field, title).isTrue();
            }
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("panel %s fits in 24 columns", title)
                    .isLessThanOrEqualTo(24);
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("targets").size()).as("queries of panel %s", title).isPositive();
            }
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).as("query datasource in %s", title)
                        .isEqualTo("${datasource}");
            }
        }
        assertThat(ids).doesNotContain(-1);
    }

    @Test
    void everyDashboardRateUsesTheRateIntervalVariable() throws IOException {
        for (String expr : dashboardExpressions(dashboard())) {
            Matcher range = Pattern.compile("\\[([^\\]]*)\\]").matcher(expr);
            while (range.find()) {
                assertThat(range.group(1)).as("range in %s", expr).isEqualTo("$__rate_interval");
            }
        }
    }

    @Test
    void everyDashboardQueryIsValidPromqlForPromtool() throws Exception {
        Path promtool = Peers.require("promtool");
        ArrayNode rules = JSON.createArrayNode();
        for (JsonNode panel : panels(dashboard())) {
            for (JsonNode target : panel.path("targets")) {
                // Grafana substitutes its variables before Prometheus sees the query; do the same.
                String expr = target.path("expr").asText().replace("$__rate_interval", "5m")
                        .replace("$instance", ".*").replace("$upstream", ".*");
                ObjectNode rule = rules.addObject();
                rule.put("record", "dnsflow_dashboard:panel_" + panel.path("id").asInt() + "_" + target.path("refId").asText());
                rule.put("expr", expr);
            }
        }
        ObjectNode file = JSON.createObjectNode();
        file.putArray("groups").addObject().put("name", "dashboard").set("rules", rules);
        Path rulesFile = temp.resolve("dashboard-queries.rules.yml");
        YAML.writeValue(rulesFile.toFile(), file);

        ToolRun run = run(List.of(promtool.toString(), "check", "rules", rulesFile.toString()), null);

        assertThat(run.exitCode()).as("promtool check rules on the dashboard's queries:\n%s", run.output()).isZero();
    }

    // ------------------------------------------------------------------------------------ alert rules

    @Test
    void thePrometheusRuleDefinesEveryAlertWithForSeveritySummaryAndWhatToCheck() throws IOException {
        JsonNode rule = YAML.readTree(RULES.toFile());

        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(rule.path("metadata").path("name").asText()).isEqualTo("dnsflow");
        assertThat(rule.path("metadata").path("labels").path("app.kubernetes.io/name").asText()).isEqualTo("dnsflow");
        Map<String, String> severities = new TreeMap<>();
        for (JsonNode group : rule.path("spec").path("groups")) {
            for (JsonNode alert : group.path("rules")) {
                String name = alert.path("alert").asText();
                assertThat(name).as("every rule is an alert").isNotEmpty();
                assertThat(alert.path("for").asText()).as("for: of %s", name).matches("\\d+[smh]");
                assertThat(alert.path("annotations").path("summary").asText()).as("summary of %s", name).isNotBlank();
                assertThat(alert.path("annotations").path("description").asText()).as("description of %s", name)
                        .contains("Check:");
                severities.put(name, alert.path("labels").path("severity").asText());
            }
        }
        assertThat(severities).isEqualTo(new TreeMap<>(EXPECTED_ALERTS));
    }

    @Test
    void theAlertRulesPassPromtoolCheckRules() throws Exception {
        Path promtool = Peers.require("promtool");
        // promtool reads plain rules files (top-level groups:), which is the PrometheusRule's spec.
        Path rulesFile = temp.resolve("dnsflow.rules.yml");
        YAML.writeValue(rulesFile.toFile(), YAML.readTree(RULES.toFile()).path("spec"));

        ToolRun run = run(List.of(promtool.toString(), "check", "rules", rulesFile.toString()), null);

        assertThat(run.exitCode()).as("promtool check rules:\n%s", run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS: " + EXPECTED_ALERTS.size() + " rules found");
    }

    // ------------------------------------------------------------------------------------ against a real proxy

    @Test
    void everyMetricTheDashboardAndAlertsReferenceIsExportedByARunningProxy() throws Exception {
        Set<String> referenced = new TreeSet<>();
        dashboardExpressions(dashboard()).forEach(e -> referenced.addAll(metricReferences(e)));
        ruleExpressions().forEach(e -> referenced.addAll(metricReferences(e)));
        Exposition exposition = Exposition.parse(scrapeOfAProxyThatSawEverything());

        Set<String> missing = new TreeSet<>(referenced);
        missing.removeAll(exposition.sampleNames());
        missing.removeAll(NOT_YET_EXPORTED.keySet());
        Set<String> arrived = new TreeSet<>(NOT_YET_EXPORTED.keySet());
        arrived.retainAll(exposition.sampleNames());

        assertThat(missing).as("referenced but not exported (families in the scrape: %s)", exposition.families())
                .isEmpty();
        assertThat(arrived).as("now exported: remove from NOT_YET_EXPORTED").isEmpty();
        assertThat(referenced).as("every NOT_YET_EXPORTED entry is still charted")
                .containsAll(NOT_YET_EXPORTED.keySet());
    }

    @Test
    void theScrapeOfARunningProxyPassesPromtoolCheckMetrics() throws Exception {
        Path promtool = Peers.require("promtool");
        String text = scrapeOfAProxyThatSawEverything();

        ToolRun run = run(List.of(promtool.toString(), "check", "metrics"), text);

        System.out.println("promtool check metrics said:\n" + (run.output().isBlank() ? "(nothing)" : run.output()));
        assertThat(run.exitCode()).as("promtool check metrics:\n%s", run.output()).isZero();
    }

    /**
     * Runs a proxy in front of a scripted upstream, drives traffic that makes every metric family
     * appear and returns its scrape: answers, a timeout, a wrong-ID reply, a malformed and a
     * too-short datagram, a NOTIMP, a TCP connection over the limit (refused), a failing flow sink
     * and, last, a refused upstream TCP connect. Counters labelled by reason or rcode exist only once
     * incremented, hence the variety.
     */
    private static synchronized String scrapeOfAProxyThatSawEverything() throws Exception {
        if (scrape != null) {
            return scrape;
        }
        ScriptedUpstream upstream = ScriptedUpstream.start((q, reply) -> {
            String name = q.message().getQuestion().getName().toString();
            if (name.startsWith("lost")) {
                return; // never answered: an upstream timeout, then SERVFAIL
            }
            Message answer = Wire.answer(q.message(), "192.0.2.1");
            if (name.startsWith("wrongid")) {
                answer.getHeader().setID(q.message().getHeader().getID() ^ 0x5a5a); // non-compliant: unknown ID
            }
            reply.send(answer);
        });
        ProxyConfig config = ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .forward(ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(100), Duration.ofMillis(300)).build())
                .tcp(1, 128, Duration.ofSeconds(30)) // one client connection at most: the second is refused
                .chaos(null, List.of("rcode name=chaos.example.com rcode=SERVFAIL rule=chaos-test"))
                .flags(dev.dnsflow.plan.Flags.of(Map.of(dev.dnsflow.cache.CachePlugin.FLAG, "true"))) // its meters exist at 0
                .eventLoops(1).build();
        Level recorderLevel = RECORDER_LOG.getLevel();
        RECORDER_LOG.setLevel(Level.SEVERE); // the failing sink's warning is expected, not news
        try (upstream; DnsProxy proxy = DnsProxy.start(config); DnsClient.Tcp held = new DnsClient.Tcp(proxy.address())) {
            InetSocketAddress to = proxy.address();
            proxy.recorder().addSink(new FailingOnceSink());

            // TCP: a NOTIMP dnsflow answers itself proves the held connection is open; the next one is refused.
            Message status = Wire.query("status.example.com.", Type.A, 1);
            status.getHeader().setOpcode(Opcode.STATUS);
            held.send(status.toWire());
            assertThat(held.read().getRcode()).isEqualTo(Rcode.NOTIMP);
            try (DnsClient.Tcp overLimit = new DnsClient.Tcp(to)) {
                assertThat(overLimit.readRaw()).as("connection over --max-tcp-clients closed").isEqualTo(-1);
            }

            // UDP: answered, timed out, ignored wrong-ID reply, malformed (FORMERR) and too short (dropped).
            assertThat(DnsClient.udp(to, Wire.query("ok.example.com.", Type.A, 2)).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(DnsClient.udp(to, Wire.query("ok.example.com.", Type.AAAA, 3)).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(DnsClient.udp(to, Wire.query("lost.example.com.", Type.A, 4)).getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(DnsClient.udp(to, Wire.query("wrongid.example.com.", Type.A, 5)).getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(DnsClient.udpRaw(to, new byte[] {0x12, 0x34, 0, 0, 0}, 3000)).as("FORMERR for a short header").isNotNull();
            assertThat(DnsClient.udpRaw(to, new byte[] {0x12}, 300)).as("one byte: dropped").isNull();
            assertThat(DnsClient.udp(to, Wire.query("chaos.example.com.", Type.A, 7)).getRcode()).as("chaos rule")
                    .isEqualTo(Rcode.SERVFAIL);

            // Last, with the upstream gone: its TCP port refuses the connection (an upstream error).
            upstream.close();
            held.send(Wire.query("tcp.example.com.", Type.A, 6).toWire());
            assertThat(held.read().getRcode()).isEqualTo(Rcode.SERVFAIL);

            proxy.recorder().drain(2000);
            scrape = proxy.metrics().scrape();
            return scrape;
        } finally {
            RECORDER_LOG.setLevel(recorderLevel);
        }
    }

    /** A sink whose first delivery fails, so {@code dnsflow_flows_dropped_total} gets a sample. */
    private static final class FailingOnceSink implements FlowSink {
        private final AtomicBoolean failed = new AtomicBoolean();

        @Override
        public String name() {
            return "failing-test-sink";
        }

        @Override
        public void accept(Flow flow) {
            if (failed.compareAndSet(false, true)) {
                throw new IllegalStateException("test sink fails once on purpose");
            }
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Families ({@code # TYPE} lines) and sample names (what PromQL selects) of a text exposition. */
    record Exposition(Map<String, String> families, Set<String> sampleNames) {
        static Exposition parse(String text) {
            Map<String, String> families = new TreeMap<>();
            Set<String> samples = new TreeSet<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    families.put(parts[2], parts[3]);
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    int end = 0;
                    while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                        end++;
                    }
                    samples.add(line.substring(0, end));
                }
            }
            return new Exposition(families, samples);
        }
    }

    static Set<String> metricReferences(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC_REFERENCE.matcher(promql);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(DASHBOARD.toFile());
    }

    /** Every panel, including those nested in collapsed rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            all.add(panel);
            panel.path("panels").forEach(all::add);
        }
        return all;
    }

    /** Panel queries and template-variable queries. */
    private static List<String> dashboardExpressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("definition").asText()));
        return exprs;
    }

    private static List<String> ruleExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("spec").path("groups")) {
            group.path("rules").forEach(r -> exprs.add(r.path("expr").asText()));
        }
        return exprs;
    }

    record ToolRun(int exitCode, String output) {
    }

    /**
     * Runs a command with {@code stdin} (may be null), stdout and stderr merged, within 60 s. The
     * output goes to a file, so a tool that writes while still reading its input cannot block.
     */
    private static ToolRun run(List<String> command, String stdin) throws IOException, InterruptedException {
        Path output = Files.createTempFile("promtool", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within 60 s:\n" + Files.readString(output));
            }
            return new ToolRun(p.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
