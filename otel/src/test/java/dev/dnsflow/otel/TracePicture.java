package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Draws the README's picture of a trace (docs/trace.svg) from real spans: a pod's query through a node's dnsflow
 * ({@code --hand-off}) to the dnsflow behind CoreDNS ({@code --hand-off-from}), whose first attempt upstream gets
 * no answer and whose retry does; both processes export to a WireMock collector, and the spans it decoded are drawn
 * as a waterfall. Not a test: it runs only when asked,
 * {@code ./mvnw -o -pl otel -am -Dtest=TracePicture -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddnsflow.trace.svg=$PWD/docs/trace.svg verify}.
 */
@EnabledIfSystemProperty(named = "dnsflow.trace.svg", matches = ".+")
class TracePicture {
    private static final int WIDTH = 980;
    private static final int LABELS = 400;
    private static final int ROW = 34;
    private static final int TOP = 64;

    @Test
    void draw() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (Collector collector = new Collector();
             ScriptedUpstream upstream = ScriptedUpstream.start((q, reply) -> {
                 if (seen.getAndIncrement() > 0) { // the first query gets no answer: the hop behind CoreDNS retries
                     reply.send(Wire.answer(q.message(), "10.96.12.34"));
                 }
             })) {
            List<AutoCloseable> open = new ArrayList<>();
            try {
                DnsProxy behind = proxy(collector, upstream.address(), Duration.ofMillis(250), "coredns-7db6d8ff4d-x2x9k",
                        Map.of("--hand-off-from", "127.0.0.0/8"));
                open.add(behind);
                DnsProxy node = proxy(collector, behind.address(), Duration.ofMillis(1500), "node-local-dns-9xk2p",
                        Map.of("--hand-off", "on", "--node-name", "worker-1", "--hand-off-zones", "."));
                open.add(node);

                assertThat(DnsClient.udp(node.address(), Wire.query("api.shop.svc.cluster.local.", Type.A, 4242)).getRcode())
                        .isEqualTo(Rcode.NOERROR);
                List<Collector.Received> spans = collector.await(5, s -> true, Duration.ofSeconds(15));
                assertThat(spans).hasSize(5);
                Path out = Path.of(System.getProperty("dnsflow.trace.svg"));
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, svg(spans), StandardCharsets.UTF_8);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
            }
        }
    }

    private static DnsProxy proxy(Collector collector, InetSocketAddress to, Duration attemptTimeout, String pod,
                                  Map<String, String> flags) {
        Map<String, String> all = new HashMap<>(flags);
        all.put("--otlp-endpoint", collector.endpoint());
        return DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(to)).eventLoops(1)
                        .forward(ForwardOptions.defaults().toBuilder().timeouts(attemptTimeout, attemptTimeout.multipliedBy(4))
                                .build())
                        .flags(Flags.of(all)).build(), ProxyMetrics.prometheus(),
                List.of(new OtlpPlugin(Map.of("POD_NAME", pod, "POD_NAMESPACE", "kube-system", "NODE_NAME", "worker-1"),
                        notice -> { })));
    }

    /** A waterfall: one bar per span under its parent, on one time axis; red for status ERROR. */
    static String svg(List<Collector.Received> spans) {
        List<Collector.Received> ordered = new ArrayList<>();
        Map<String, Integer> depth = new HashMap<>();
        List<Collector.Received> roots = spans.stream().filter(s -> spans.stream()
                .noneMatch(p -> p.spanId().equals(s.parentSpanId()))).sorted(byStart()).toList();
        for (Collector.Received root : roots) {
            walk(root, 0, spans, ordered, depth);
        }
        long t0 = spans.stream().mapToLong(s -> s.span().getStartTimeUnixNano()).min().orElseThrow();
        long t1 = spans.stream().mapToLong(s -> s.span().getEndTimeUnixNano()).max().orElseThrow();
        double span = Math.max(1, t1 - t0);
        int barsWidth = WIDTH - LABELS - 70;
        int height = TOP + ordered.size() * ROW + 70;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"-apple-system, Segoe UI, Helvetica, Arial, sans-serif\" "
                + "font-size=\"13\">%n", WIDTH, height, WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"26\" font-size=\"15\" font-weight=\"bold\">Trace %s"
                + "</text>%n", ordered.get(0).traceId()));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"46\" fill=\"#555\">%d spans from two dnsflow processes,"
                + " %s in all; as a collector received them</text>%n", ordered.size(), duration(t1 - t0)));
        for (int tick = 0; tick <= 4; tick++) {
            double x = LABELS + barsWidth * tick / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>%n",
                    x, TOP - 6, x, TOP + ordered.size() * ROW));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#777\" font-size=\"11\" "
                    + "text-anchor=\"middle\">%s</text>%n", x, TOP + ordered.size() * ROW + 16, duration((long) (span * tick / 4))));
        }
        for (int i = 0; i < ordered.size(); i++) {
            Collector.Received s = ordered.get(i);
            int y = TOP + i * ROW;
            int indent = 16 + depth.get(s.spanId()) * 18;
            boolean error = s.span().getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
            String kind = s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER ? "SERVER" : "CLIENT";
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"><tspan font-weight=\"bold\">%s</tspan>"
                    + "<tspan fill=\"#777\" font-size=\"11\">  %s</tspan></text>%n", indent, y + 13, esc(s.name()), kind));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\" font-size=\"11\">%s</text>%n",
                    indent, y + 27, esc(detail(s))));
            double x = LABELS + barsWidth * (s.span().getStartTimeUnixNano() - t0) / span;
            double w = Math.max(2, barsWidth * (s.span().getEndTimeUnixNano() - s.span().getStartTimeUnixNano()) / span);
            String fill = error ? "#d64545" : kind.equals("SERVER") ? "#4a78c2" : "#3f9e6a";
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"3\" "
                    + "fill=\"%s\"/>%n", x, y + 4, w, fill));
            String label = duration(s.span().getEndTimeUnixNano() - s.span().getStartTimeUnixNano())
                    + (error ? "  ERROR " + s.span().getStatus().getMessage() : "");
            if (w > 160) { // inside a long bar, white
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#ffffff\" font-size=\"11\">"
                        + "%s</text>%n", x + 6, y + 16, esc(label)));
            } else {
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" font-size=\"11\">%s</text>%n",
                        Math.min(x + w + 5, WIDTH - 60.0), y + 16, error ? "#b32d2d" : "#333", esc(label)));
            }
        }
        int legend = TOP + ordered.size() * ROW + 40;
        legend(svg, 16, legend, "#4a78c2", "SERVER: a dnsflow received the query, until it answered");
        legend(svg, 400, legend, "#3f9e6a", "CLIENT: one attempt upstream");
        legend(svg, 640, legend, "#d64545", "status ERROR");
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void legend(StringBuilder svg, int x, int y, String fill, String text) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>"
                + "<text x=\"%d\" y=\"%d\" fill=\"#555\" font-size=\"11\">%s</text>%n", x, y, fill, x + 17, y + 10, esc(text)));
    }

    /** The process (its pod, from the resource) and what the span says in brief. */
    private static String detail(Collector.Received s) {
        String pod = s.resourceString("k8s.pod.name");
        if (s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
            return pod + " → " + s.string("server.address") + ":" + s.number("server.port") + "  "
                    + s.string("dnsflow.attempt.outcome");
        }
        String via = s.string("dnsflow.via.node") != null ? "  via " + s.string("dnsflow.via.node") : "";
        return pod + "  " + s.string("dns.response_code") + via;
    }

    private static void walk(Collector.Received s, int level, List<Collector.Received> all, List<Collector.Received> out,
                             Map<String, Integer> depth) {
        out.add(s);
        depth.put(s.spanId(), level);
        all.stream().filter(c -> c.parentSpanId().equals(s.spanId())).sorted(byStart())
                .forEach(c -> walk(c, level + 1, all, out, depth));
    }

    private static Comparator<Collector.Received> byStart() {
        return Comparator.comparingLong(s -> s.span().getStartTimeUnixNano());
    }

    private static String duration(long nanos) {
        return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%d µs", nanos / 1000);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
