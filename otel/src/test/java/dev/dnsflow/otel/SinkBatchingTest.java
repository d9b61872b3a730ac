package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.testing.Eventually;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the sink groups flows into exports, and how many exports it lets run at once. */
class SinkBatchingTest {
    @Test
    void flowsArrivingCloseTogetherGoOutInOneRequestNotOnePerQuery() throws Exception {
        try (Collector collector = new Collector()) {
            OtlpConfig.Configured otlp = OtlpConfig.configure(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint()),
                    "", "test");
            ProxyMetrics metrics = ProxyMetrics.standalone();
            OtlpSink sink = new OtlpSink(otlp.exporter(), spans(otlp.resource()), new Sampling(1.0, 100_000), metrics,
                    otlp.exportWait(), 64);
            for (int i = 0; i < 5; i++) {
                sink.accept(Flows.answered("B" + i));
                Thread.sleep(20);
            }
            // an answered flow is a SERVER span and a CLIENT span for its attempt
            Eventually.await(() -> metrics.count("dnsflow.otlp.spans.exported") == 10.0, Duration.ofSeconds(10),
                    "the five flows' spans exported");
            assertThat(collector.requests()).as("one request for five queries 20 ms apart").hasSize(1);
            sink.close();
            otlp.close();
        }
    }

    @Test
    void anExporterThatIgnoresItsTimeoutKeepsOneRequestHangingNotOnePerBatch() throws Exception {
        AtomicInteger exports = new AtomicInteger();
        SpanExporter hanging = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                exports.incrementAndGet();
                return new CompletableResultCode(); // never completes, like a timeout of 0 against a silent collector
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        ProxyMetrics metrics = ProxyMetrics.standalone();
        OtlpSink sink = new OtlpSink(hanging, spans(Resource.getDefault()), new Sampling(1.0, 100_000), metrics,
                Duration.ofMillis(50), 64);
        for (int batch = 0; batch < 4; batch++) {
            sink.accept(Flows.answered("H" + batch));
            int lostBefore = (int) metrics.count("dnsflow.flows.dropped", "sink", "otlp");
            Eventually.await(() -> metrics.count("dnsflow.flows.dropped", "sink", "otlp") > lostBefore,
                    Duration.ofSeconds(10), "the flow given up on");
        }
        assertThat(exports).as("one export left hanging; later batches are not sent on top of it").hasValue(1);
        assertThat(metrics.count("dnsflow.otlp.export.errors", "reason", "timeout")).isEqualTo(4.0);
        sink.close();
    }

    private static FlowSpans spans(Resource resource) {
        return new FlowSpans(resource, InstrumentationScopeInfo.create("t"));
    }
}
