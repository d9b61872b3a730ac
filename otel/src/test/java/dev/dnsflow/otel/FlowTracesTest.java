package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.metrics.ProxyMetrics;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flows built directly, exported through the SDK's OTLP exporter to a WireMock collector, decoded with the OTLP classes. */
class FlowTracesTest {
    private final Collector collector = new Collector();
    private final ProxyMetrics metrics = ProxyMetrics.standalone();

    @AfterEach
    void stop() {
        collector.close();
    }

    /** Exports {@code flows} at {@code ratio} and returns what the collector got, by flow ID then span name. */
    private List<Collector.Received> export(double ratio, Flow... flows) {
        OtlpConfig.Configured otlp = OtlpConfig.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint()), "",
                "test");
        OtlpSink sink = new OtlpSink(otlp.exporter(), new FlowSpans(otlp.resource(),
                io.opentelemetry.sdk.common.InstrumentationScopeInfo.create("dev.dnsflow")),
                new Sampling(ratio, 100_000), metrics, otlp.exportWait(), 64);
        for (Flow f : flows) {
            sink.accept(f);
        }
        sink.close(); // flushes
        otlp.close();
        return collector.spans();
    }

    private static Map<String, List<Collector.Received>> byFlow(List<Collector.Received> spans) {
        return spans.stream().collect(Collectors.groupingBy(s -> s.string("dnsflow.flow_id")));
    }

    @Test
    void everyAttributeKeyHasOneTypeOnEverySpan() {
        List<Collector.Received> spans = export(1.0, Flows.answered("F1"), Flows.retried("F2"), Flows.timedOut("F3"),
                Flows.joined("F4"), Flows.chaosDropped("F5"), Flows.corednsDropped("F6"));

        Map<String, java.util.Set<AnyValue.ValueCase>> types = new java.util.TreeMap<>();
        for (Collector.Received s : spans) {
            s.span().getAttributesList().forEach(kv -> types.computeIfAbsent(kv.getKey(), k -> new java.util.TreeSet<>())
                    .add(kv.getValue().getValueCase()));
        }
        assertThat(types).containsKeys("dnsflow.message_id.sent", "dnsflow.message_ids.sent")
                .allSatisfy((key, cases) -> assertThat(cases).as(key).hasSize(1));
    }

    @Test
    void anAnsweredFlowIsAServerSpanWithTheQuestionAndAnswersAndAClientSpanPerAttempt() {
        List<Collector.Received> spans = export(1.0, Flows.answered("F1"));

        assertThat(spans).hasSize(2);
        Collector.Received server = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        Collector.Received client = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .findFirst().orElseThrow();
        assertThat(server.name()).isEqualTo("DNS A example.com.");
        assertThat(server.span().getParentSpanId().isEmpty()).as("a root span").isTrue();
        assertThat(server.span().getStartTimeUnixNano()).isEqualTo(Flows.T0);
        assertThat(server.span().getEndTimeUnixNano()).isEqualTo(Flows.T0 + 1_200_000);
        assertThat(server.string("dns.question.name")).isEqualTo("example.com.");
        assertThat(server.string("dns.question.type")).isEqualTo("A");
        assertThat(server.string("dns.response_code")).isEqualTo("NOERROR");
        assertThat(server.attribute("dns.answers").getArrayValue().getValues(0).getStringValue()).isEqualTo("192.0.2.1");
        assertThat(server.string("client.address")).isEqualTo("10.0.0.9");
        assertThat(server.number("client.port")).isEqualTo(40000);
        assertThat(server.string("network.transport")).isEqualTo("udp");
        assertThat(server.number("dnsflow.message_id.received")).isEqualTo(4242);
        assertThat(server.attribute("dnsflow.message_ids.sent").getArrayValue().getValues(0).getIntValue()).isEqualTo(777);
        assertThat(server.attribute("dnsflow.message_id.sent")).as("the attempts' scalar key").isNull();
        assertThat(server.string("dnsflow.outcome")).isEqualTo("answered");
        assertThat(server.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        assertThat(server.resourceString("service.name")).isEqualTo("dnsflow");

        assertThat(client.traceId()).isEqualTo(server.traceId());
        assertThat(client.parentSpanId()).isEqualTo(server.spanId());
        assertThat(client.string("server.address")).isEqualTo("192.0.2.53");
        assertThat(client.number("server.port")).isEqualTo(53);
        assertThat(client.number("dnsflow.message_id.sent")).isEqualTo(777);
        assertThat(client.string("dnsflow.attempt.outcome")).isEqualTo("answered");
        assertThat(client.span().getStartTimeUnixNano()).isEqualTo(Flows.T0 + 100_000);
        assertThat(client.span().getEndTimeUnixNano()).isEqualTo(Flows.T0 + 100_000 + 900_000);
    }

    @Test
    void thePodThatAskedIsNamedWithTheK8sAttributesOfItsWorkload() {
        dev.dnsflow.flow.K8sRef pod = new dev.dnsflow.flow.K8sRef(dev.dnsflow.flow.K8sRef.POD, "shop", "web-7d9f-abcde",
                "Deployment", "web", "worker-2");
        dev.dnsflow.flow.K8sRef dns = new dev.dnsflow.flow.K8sRef(dev.dnsflow.flow.K8sRef.SERVICE, "kube-system", "kube-dns",
                null, null, null);
        Flow named = Flows.answered("N").withNames(new dev.dnsflow.flow.K8sNames(null, pod, List.of(dns)));

        List<Collector.Received> spans = export(1.0, named);

        Collector.Received server = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        assertThat(server.string("k8s.pod.name")).isEqualTo("web-7d9f-abcde");
        assertThat(server.string("k8s.namespace.name")).isEqualTo("shop");
        assertThat(server.string("k8s.node.name")).isEqualTo("worker-2");
        assertThat(server.string("k8s.deployment.name")).isEqualTo("web");
        Collector.Received client = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .findFirst().orElseThrow();
        assertThat(client.string("dnsflow.upstream.k8s.service.name")).isEqualTo("kube-dns");
    }

    @Test
    void nxdomainIsAnAnswerNotAnError() {
        Collector.Received server = export(1.0, Flows.nxdomain("F2")).stream()
                .filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();

        assertThat(server.name()).isEqualTo("DNS A nope.example.com.");
        assertThat(server.string("dns.response_code")).isEqualTo("NXDOMAIN");
        assertThat(server.attribute("dns.answers")).isNull();
        assertThat(server.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    }

    @Test
    void aRetriedFlowHasAFailedAttemptSpanThenAnAnsweredOneUnderAnUnfailedServerSpan() {
        List<Collector.Received> spans = export(1.0, Flows.retried("F3"));

        assertThat(spans).hasSize(3);
        Collector.Received server = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        List<Collector.Received> attempts = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .sorted(java.util.Comparator.comparingLong(s -> s.span().getStartTimeUnixNano())).toList();
        assertThat(attempts).allSatisfy(a -> assertThat(a.parentSpanId()).isEqualTo(server.spanId()));
        assertThat(attempts.get(0).string("dnsflow.attempt.outcome")).isEqualTo("timeout");
        assertThat(attempts.get(0).span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attempts.get(0).span().getStatus().getMessage()).isEqualTo("timeout");
        assertThat(attempts.get(1).span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        assertThat(attempts.get(0).spanId()).isNotEqualTo(attempts.get(1).spanId());
        assertThat(server.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    }

    @Test
    void aTimedOutFlowIsAnErrorNamedByItsOutcome() {
        List<Collector.Received> spans = export(1.0, Flows.timedOut("F4"));

        Collector.Received server = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        assertThat(server.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(server.span().getStatus().getMessage()).isEqualTo("servfail");
        assertThat(server.string("dns.response_code")).isEqualTo("SERVFAIL");
        assertThat(spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT))
                .hasSize(2).allSatisfy(a -> assertThat(a.span().getStatus().getMessage()).isEqualTo("timeout"));
    }

    @Test
    void aChaosDropIsAnErrorWithTheRuleAsASpanEventAndNoAttempts() {
        List<Collector.Received> spans = export(1.0, Flows.chaosDropped("F5"));

        assertThat(spans).hasSize(1);
        Span server = spans.get(0).span();
        assertThat(server.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(server.getStatus().getMessage()).isEqualTo("chaos_drop");
        assertThat(server.getEventsCount()).isEqualTo(1);
        assertThat(server.getEvents(0).getName()).isEqualTo("dnsflow.chaos");
        assertThat(Collector.attribute(server.getEvents(0).getAttributesList(), "dnsflow.chaos.rule").getStringValue())
                .isEqualTo("drop-some");
        assertThat(Collector.attribute(server.getEvents(0).getAttributesList(), "dnsflow.chaos.action").getStringValue())
                .isEqualTo("drop");
        assertThat(spans.get(0).attribute("dns.response_code")).as("no answer").isNull();
    }

    @Test
    void aQueryCorednsNeverAnsweredIsATraceWithTheCorednsSpanOnly() {
        List<Collector.Received> spans = export(1.0, Flows.corednsDropped("F6"));

        assertThat(spans).hasSize(1);
        Collector.Received coredns = spans.get(0);
        assertThat(coredns.name()).isEqualTo("coredns");
        assertThat(coredns.span().getParentSpanId().isEmpty()).isTrue();
        assertThat(coredns.span().getStartTimeUnixNano()).isEqualTo(Flows.T0);
        assertThat(coredns.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(coredns.span().getStatus().getMessage()).isEqualTo("unanswered_at_coredns");
        assertThat(coredns.string("client.address")).isEqualTo("10.1.2.3");
        assertThat(coredns.number("dnsflow.message_id.pod")).isEqualTo(9);
        assertThat(coredns.attribute("dnsflow.coredns.forwarded").getBoolValue()).isFalse();
    }

    @Test
    void withTheSidecarJoinCorednsIsTheParentOfDnsflowsServerSpanWithCorednsTimestamps() {
        List<Collector.Received> spans = export(1.0, Flows.joined("F7"));

        assertThat(spans).hasSize(3);
        Collector.Received coredns = spans.stream().filter(s -> s.name().equals("coredns")).findFirst().orElseThrow();
        Collector.Received server = spans.stream().filter(s -> s.name().equals("DNS A example.com.")
                && s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
        assertThat(coredns.span().getParentSpanId().isEmpty()).isTrue();
        assertThat(server.parentSpanId()).isEqualTo(coredns.spanId());
        assertThat(coredns.span().getStartTimeUnixNano()).isEqualTo(Flows.T0 - 200_000);
        assertThat(coredns.span().getEndTimeUnixNano()).isEqualTo(Flows.T0 + 1_500_000);
        assertThat(coredns.string("dns.response_code")).isEqualTo("NOERROR");
        assertThat(coredns.attribute("dnsflow.coredns.forwarded").getBoolValue()).isTrue();
        assertThat(server.string("client.address")).as("the pod, behind CoreDNS").isEqualTo("10.1.2.3");
        assertThat(server.string("network.peer.address")).isEqualTo("10.0.0.9");
        assertThat(server.number("dnsflow.message_id.pod")).isEqualTo(9);
    }

    @Test
    void atRatioZeroOrdinaryFlowsAreDroppedAndEveryFailureIsKept() {
        List<Collector.Received> spans = export(0.0, Flows.answered("OK1"), Flows.nxdomain("OK2"), Flows.retried("R"),
                Flows.timedOut("T"), Flows.chaosDropped("C"), Flows.corednsDropped("D"));

        assertThat(byFlow(spans).keySet()).containsExactlyInAnyOrder("R", "T", "C", "D");
    }

    @Test
    void aSlowFlowIsAlwaysKept() {
        Flow slow = new Flow("SLOW", Flows.T0, Flows.CLIENT, Flows.query("example.com."), List.of(), Flows.response(0),
                150_000, dev.dnsflow.flow.Outcome.ANSWERED);

        assertThat(byFlow(export(0.0, slow)).keySet()).containsExactly("SLOW");
    }

    @Test
    void theSinkIsRegisteredAtZeroDropsAndCountsExportedSpans() throws Exception {
        export(1.0, Flows.answered("F8"));

        assertThat(metrics.scrape()).contains("dnsflow_flows_dropped_total{sink=\"otlp\"} 0.0")
                .contains("dnsflow_otlp_spans_exported_total 2.0");
    }

    @Test
    void anExportThatFailsIsCountedByItsStatusAndItsFlowsAsDropped() {
        collector.server().resetAll();
        collector.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(413)));

        export(1.0, Flows.answered("F9"));

        assertThat(metrics.count("dnsflow.otlp.export.errors", "reason", "413")).isEqualTo(1.0);
        assertThat(metrics.count("dnsflow.flows.dropped", "sink", "otlp")).isEqualTo(1.0);
    }

    @Test
    void aCollectorThatIsNotThereIsCountedAsAConnectionError() {
        String endpoint = collector.endpoint();
        collector.close();
        OtlpConfig.Configured otlp = OtlpConfig.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
                "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"), "", "test");
        OtlpSink sink = new OtlpSink(otlp.exporter(), new FlowSpans(otlp.resource(),
                io.opentelemetry.sdk.common.InstrumentationScopeInfo.create("dev.dnsflow")),
                new Sampling(1.0, 100_000), metrics, Duration.ofSeconds(10), 64);
        sink.accept(Flows.answered("F10"));
        sink.close();
        otlp.close();

        assertThat(metrics.count("dnsflow.otlp.export.errors", "reason", "connection")).isEqualTo(1.0);
    }
}
