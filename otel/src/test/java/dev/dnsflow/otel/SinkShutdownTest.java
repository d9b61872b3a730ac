package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.testing.Eventually;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A collector that stops answering holds up neither the recorder (accept returns at once, a full queue drops) nor
 * the proxy's shutdown (the flush gets a bounded time); every flow is counted either as exported or as dropped.
 */
class SinkShutdownTest {
    @Test
    void aHungCollectorCostsCountedDropsNotAStalledRecorderOrShutdown() throws Exception {
        try (Collector collector = new Collector()) {
            collector.server().resetAll();
            collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(30_000)));
            OtlpConfig.Configured otlp = OtlpConfig.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
                    "OTEL_EXPORTER_OTLP_TIMEOUT", "20000"), "", "test");
            ProxyMetrics metrics = ProxyMetrics.standalone();
            OtlpSink sink = new OtlpSink(otlp.exporter(), new FlowSpans(otlp.resource(), InstrumentationScopeInfo.create("t")),
                    new Sampling(1.0, 100_000), metrics, otlp.exportWait(), 8);

            long start = System.nanoTime();
            sink.accept(Flows.answered("FIRST")); // taken by the thread, which then waits on the collector
            Eventually.await(() -> collector.requests().size() == 1, Duration.ofSeconds(5), "the first export");
            for (int i = 0; i < 20; i++) {
                sink.accept(Flows.answered("F" + i));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("accept never waits").isLessThan(Duration.ofSeconds(5));
            assertThat(metrics.count("dnsflow.flows.dropped", "sink", "otlp")).as("beyond the queue of 8").isEqualTo(12.0);

            long closing = System.nanoTime();
            sink.close();
            otlp.close();

            assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofMillis(OtlpSink.FLUSH_MILLIS + 3000));
            Eventually.await(() -> metrics.count("dnsflow.flows.dropped", "sink", "otlp") == 21.0, Duration.ofSeconds(10),
                    () -> "every flow counted: " + metrics.count("dnsflow.flows.dropped", "sink", "otlp"));
            assertThat(metrics.count("dnsflow.otlp.spans.exported")).isZero();
        }
    }
}
