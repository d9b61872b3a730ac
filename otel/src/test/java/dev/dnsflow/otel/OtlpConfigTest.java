package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The standard OTEL_* variables mean what the specification says, read by the SDK; the flags are checked at start. */
class OtlpConfigTest {
    private final Collector collector = new Collector();

    @AfterEach
    void stop() {
        collector.close();
    }

    /** Exports one flow configured by {@code env} and {@code --otlp-endpoint}; returns what the collector got. */
    private List<Collector.Received> exportOne(Map<String, String> env, String endpointFlag) {
        OtlpConfig.Configured otlp = OtlpConfig.configure(env, endpointFlag, "1.2.3");
        OtlpSink sink = new OtlpSink(otlp.exporter(), new FlowSpans(otlp.resource(), InstrumentationScopeInfo.create("t")),
                new Sampling(1.0, 100_000), ProxyMetrics.standalone(), otlp.exportWait(), 16);
        sink.accept(Flows.chaosDropped("F"));
        sink.close();
        otlp.close();
        return collector.spans();
    }

    private LoggedRequest onlyRequest() {
        assertThat(collector.requests()).hasSize(1);
        return collector.requests().get(0);
    }

    @Test
    void theGeneralEndpointGetsTheSignalPathAppended() {
        exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint() + "/base"), "");

        assertThat(onlyRequest().getUrl()).isEqualTo("/base/v1/traces");
        assertThat(onlyRequest().getHeader("Content-Type")).isEqualTo("application/x-protobuf");
    }

    @Test
    void theTracesEndpointIsUsedAsItIs() {
        exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                collector.endpoint() + "/custom/traces"), "");

        assertThat(onlyRequest().getUrl()).isEqualTo("/custom/traces");
    }

    @Test
    void theFlagWinsOverBothVariables() {
        exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://127.0.0.1:1/x"), collector.endpoint());

        assertThat(onlyRequest().getUrl()).isEqualTo("/v1/traces");
    }

    @Test
    void grpcIsTheProtocolVariablesOtherChoiceAndTakesTheEndpointAsItIs() {
        List<Collector.Received> spans = exportOne(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"), collector.endpoint());

        assertThat(onlyRequest().getUrl()).isEqualTo("/opentelemetry.proto.collector.trace.v1.TraceService/Export");
        assertThat(spans.get(0).name()).isEqualTo("DNS A example.com.");
    }

    @Test
    void headersReachTheCollector() {
        exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20s3cret,x-tenant=dns"), "");

        assertThat(onlyRequest().getHeader("authorization")).isEqualTo("Bearer s3cret");
        assertThat(onlyRequest().getHeader("x-tenant")).isEqualTo("dns");
    }

    @Test
    void serviceNameAndResourceAttributesComeFromTheVariablesOverDnsflowsDefaults() {
        List<Collector.Received> spans = exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
                "OTEL_SERVICE_NAME", "dns-edge", "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,k8s.pod.name=from-attrs",
                "POD_NAME", "from-downward-api", "POD_NAMESPACE", "kube-system", "NODE_NAME", "worker-3"), "");

        Collector.Received s = spans.get(0);
        assertThat(s.resourceString("service.name")).isEqualTo("dns-edge");
        assertThat(s.resourceString("service.version")).isEqualTo("1.2.3");
        assertThat(s.resourceString("deployment.environment.name")).isEqualTo("prod");
        assertThat(s.resourceString("k8s.pod.name")).isEqualTo("from-attrs");
        assertThat(s.resourceString("k8s.namespace.name")).isEqualTo("kube-system");
        assertThat(s.resourceString("k8s.node.name")).isEqualTo("worker-3");
    }

    @Test
    void withoutAServiceNameItIsDnsflow() {
        List<Collector.Received> spans = exportOne(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint()), "");

        assertThat(spans.get(0).resourceString("service.name")).isEqualTo("dnsflow");
    }

    @Test
    void offUnlessAnEndpointIsGiven() {
        assertThat(OtlpConfig.enabled("", Map.of())).isFalse();
        assertThat(OtlpConfig.enabled("", Map.of("OTEL_SERVICE_NAME", "x"))).isFalse();
        assertThat(OtlpConfig.enabled("", Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"))).isTrue();
        assertThat(OtlpConfig.enabled("http://c:4318", Map.of())).isTrue();

        try (DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                List.of(new InetSocketAddress("127.0.0.1", 9))).eventLoops(1).build(), ProxyMetrics.prometheus(),
                List.of(new OtlpPlugin(Map.of(), n -> { })))) {
            assertThat(proxy.metrics().scrape()).doesNotContain("sink=\"otlp\"");
        }
    }

    private static DnsProxy start(Map<String, String> env, java.util.function.Consumer<String> notice) {
        return DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                List.of(new InetSocketAddress("127.0.0.1", 9))).eventLoops(1).build(), ProxyMetrics.prometheus(),
                List.of(new OtlpPlugin(env, notice)));
    }

    @Test
    void aVariableTheSdkCannotUseStopsTheStartNamingIt() {
        assertThatThrownBy(() -> start(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), n -> { }))
                .hasMessageContaining("OpenTelemetry export").hasMessageContaining("http/json");
    }

    @Test
    void otelSdkDisabledTurnsTracesOffWithANotice() {
        List<String> notices = new java.util.ArrayList<>();
        try (DnsProxy proxy = start(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(), "OTEL_SDK_DISABLED", "true"),
                notices::add)) {
            assertThat(proxy.metrics().scrape()).doesNotContain("sink=\"otlp\"");
        }
        assertThat(notices).containsExactly("traces off: OTEL_SDK_DISABLED is set");
    }

    @Test
    void aSampleRatioOutOfRangeIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> OtlpPlugin.SAMPLE.valueOf("1.5")).hasMessageContaining("--otlp-sample")
                .hasMessageContaining("0 to 1");
        assertThatThrownBy(() -> OtlpPlugin.SAMPLE.valueOf("half")).hasMessageContaining("--otlp-sample");
        assertThatThrownBy(() -> DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                List.of(new InetSocketAddress("127.0.0.1", 9))).eventLoops(1)
                .flags(Flags.of(Map.of("--otlp-endpoint", collector.endpoint(), "--otlp-sample", "-0.1"))).build(),
                ProxyMetrics.prometheus(), List.of(new OtlpPlugin(Map.of(), n -> { }))))
                .hasMessageContaining("--otlp-sample");
        assertThat(OtlpPlugin.SAMPLE.valueOf("0")).isZero();
        assertThatThrownBy(() -> OtlpPlugin.ENDPOINT.valueOf("collector:4318")).hasMessageContaining("--otlp-endpoint");
    }
}
