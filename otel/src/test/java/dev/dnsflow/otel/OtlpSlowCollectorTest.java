package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Eventually;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A collector that answers every export 5 s late, while a client queries a real proxy as fast as it gets answers:
 * beyond the export timeout each export is a counted {@code timeout}; within it (the default 10 s) exports succeed,
 * slowly, one at a time, and what does not fit the queue is counted as dropped. DNS never notices either way
 * ({@link Faults#dnsDidNotNotice}) and every flow is exported or counted.
 */
class OtlpSlowCollectorTest {
    @BeforeAll
    static void healthyCollector() throws Exception {
        Faults.baseline(); // before any fault, on the same machine
    }

    @Test
    void beyondTheExportTimeoutEachExportIsACountedTimeout() throws Exception {
        try (Collector collector = new Collector()) {
            collector.server().resetAll();
            collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(5000)));
            OtlpCollectorOutageTest.outage(collector.endpoint(), ExportErrors.TIMEOUT);
        }
    }

    @Test
    void withinTheExportTimeoutSlowExportsSucceedAndTheRestIsCountedAsDropped() throws Exception {
        try (Collector collector = new Collector()) {
            collector.server().resetAll();
            collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(5000)));
            try (UnderLoad run = new UnderLoad(collector.endpoint(), Map.of())) {
                UnderLoad.Result result = run.load(Faults.LOAD);

                Faults.dnsDidNotNotice(result, Faults.baseline());
                Eventually.await(() -> run.count("dnsflow.otlp.spans.exported") > 0, Duration.ofSeconds(20),
                        "the first export, 5 s late");
                assertThat(run.metrics().total("dnsflow.otlp.export.errors")).as("slow is not failed").isZero();
                assertThat(UnderLoad.sample(run.scrape(), "dnsflow_otlp_spans_exported_total")).isPositive();

                run.close(); // an export still waiting when the flush's time is up is cancelled: a timeout
                Faults.everyFlowAccountedFor(run, result);
            }
        }
    }
}
