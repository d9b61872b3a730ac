package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.handoff.HandOffStage;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Real engines: a query forwarded by a proxy reaches the collector as a trace; and through two dnsflows, the
 * node's ({@code --hand-off}) and the one behind it ({@code --hand-off-from}), both processes' spans land in one
 * trace, the second's SERVER span a child of the node's.
 */
class TwoHopTracesTest {
    private final Collector collector = new Collector();
    private final List<AutoCloseable> open = new java.util.ArrayList<>();
    private ScriptedUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        upstream.close();
        collector.close();
    }

    private DnsProxy proxy(InetSocketAddress to, Map<String, String> flags) {
        Map<String, String> all = new HashMap<>(flags);
        all.put("--otlp-endpoint", collector.endpoint());
        DnsProxy p = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(to))
                .eventLoops(1).flags(Flags.of(all)).build(), ProxyMetrics.prometheus(),
                List.of(new OtlpPlugin(Map.of("POD_NAME", "dnsflow-abc", "NODE_NAME", "worker-1"), notice -> { })));
        open.add(p);
        return p;
    }

    @Test
    void aForwardedQueryReachesTheCollectorAsAServerSpanWithItsAttempt() throws Exception {
        DnsProxy proxy = proxy(upstream.address(), Map.of());

        Message answer = DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A, 4242));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        List<Collector.Received> spans = collector.await(2, s -> true, Duration.ofSeconds(10));
        assertThat(spans).hasSize(2);
        Collector.Received server = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        Collector.Received client = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .findFirst().orElseThrow();
        assertThat(server.name()).isEqualTo("DNS A example.com.");
        assertThat(server.number("dnsflow.message_id.received")).isEqualTo(4242);
        assertThat(server.attribute("dns.answers").getArrayValue().getValues(0).getStringValue()).isEqualTo("192.0.2.1");
        assertThat(server.resourceString("service.name")).isEqualTo("dnsflow");
        assertThat(server.resourceString("k8s.pod.name")).isEqualTo("dnsflow-abc");
        assertThat(server.resourceString("k8s.node.name")).isEqualTo("worker-1");
        assertThat(server.resourceString("service.version")).isNotBlank();
        assertThat(server.resourceString("host.name")).isNotBlank();
        assertThat(client.parentSpanId()).isEqualTo(server.spanId());
        assertThat(client.number("server.port")).isEqualTo(upstream.address().getPort());
        assertThat(client.number("dnsflow.message_id.sent")).isEqualTo(upstream.received().get(0).message().getHeader().getID());
        assertThat(collector.requests().get(0).getUrl()).isEqualTo("/v1/traces");
    }

    @Test
    void theNodesHopAndTheHopBehindItComputeOneTraceIdAndLinkTheirSpans() throws Exception {
        List<Collector.Received> spans = throughTwoHops("worker-1", Wire.query("example.com.", Type.A, 4242));

        Collector.Received behind = behind(spans);
        assertThat(behind.string("client.address")).as("the pod, from the hand-off").isEqualTo("127.0.0.1");
        assertThat(behind.number("dnsflow.message_id.pod")).isEqualTo(4242);
        assertThat(behind.string("dnsflow.via.node")).isEqualTo("worker-1");
    }

    @Test
    void aNodeNameLongerThanTheHandOffSendsStillGivesOneTrace() throws Exception {
        String node = "worker-" + "x".repeat(63); // 70 characters: the hand-off sends the first 63

        List<Collector.Received> spans = throughTwoHops(node, Wire.query("example.com.", Type.A, 4242));

        assertThat(behind(spans).string("dnsflow.via.node")).as("what the wire carried").isEqualTo(node.substring(0, 63));
    }

    @Test
    void aQueryTheHandOffLeavesTheNodeOutOfStillGivesOneTrace() throws Exception {
        // The pod's OPT padded so the hand-off fits within 512 bytes only without "worker-1" (55 + 8 bytes with it).
        Message query = Wire.query("example.com.", Type.A, 4242);
        int target = HandOffStage.MAX_QUERY - 55 - 2; // the hand-off without the node takes 55 bytes here
        int pad = target - query.toWire().length - 11 - 4; // the OPT record and the padding option's header
        query.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(12, new byte[pad]))),
                org.xbill.DNS.Section.ADDITIONAL);
        assertThat(query.toWire().length).isBetween(HandOffStage.MAX_QUERY - 55 - 8 + 1, HandOffStage.MAX_QUERY - 55);

        List<Collector.Received> spans = throughTwoHops("worker-1", query);

        assertThat(behind(spans).string("dnsflow.via.node")).as("the node was left out").isNull();
    }

    /** The node's dnsflow in front of the one behind it; the spans of one query, checked to be one linked trace. */
    private List<Collector.Received> throughTwoHops(String nodeName, Message query) throws Exception {
        DnsProxy receiving = proxy(upstream.address(), Map.of("--hand-off-from", "127.0.0.0/8"));
        DnsProxy node = proxy(receiving.address(),
                Map.of("--hand-off", "on", "--node-name", nodeName, "--hand-off-zones", "."));

        assertThat(DnsClient.udp(node.address(), query).getRcode()).isEqualTo(Rcode.NOERROR);

        List<Collector.Received> spans = collector.await(4, s -> true, Duration.ofSeconds(10));
        assertThat(spans).hasSize(4);
        List<Collector.Received> servers = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .toList();
        assertThat(servers).hasSize(2);
        Collector.Received behind = behind(spans);
        Collector.Received atNode = servers.stream().filter(s -> s != behind).findFirst().orElseThrow();
        assertThat(behind.string("dnsflow.via.flow_id")).as("the hand-off reached the hop behind")
                .isEqualTo(atNode.string("dnsflow.flow_id"));
        assertThat(spans).as("one trace for both processes").allSatisfy(s -> assertThat(s.traceId()).isEqualTo(atNode.traceId()));
        assertThat(behind.parentSpanId()).as("behind the node: a child of the node's SERVER span").isEqualTo(atNode.spanId());
        assertThat(atNode.span().getParentSpanId().isEmpty()).isTrue();
        assertThat(spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .map(Collector.Received::parentSpanId)).containsExactlyInAnyOrder(atNode.spanId(), behind.spanId());
        return spans;
    }

    private static Collector.Received behind(List<Collector.Received> spans) {
        return spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .filter(s -> s.string("dnsflow.via.flow_id") != null).findFirst().orElseThrow();
    }
}
