package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.dnsflow.testing.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collector answers with an HTTP error while a client queries a real proxy as fast as it gets answers: 503 or
 * 429 with Retry-After for a while (retried until it clears: the batch arrives), 413 (not retried: counted drops).
 * For good: {@link OtlpRetryAfterTest}. DNS never notices ({@link Faults#dnsDidNotNotice}).
 */
class OtlpFaultsTest {
    private static UnderLoad.Result baseline;
    private static String baselineScrape;
    private final Collector collector = new Collector();

    @BeforeAll
    static void healthyCollector() throws Exception {
        baseline = Faults.baseline();
        baselineScrape = Faults.baselineScrape();
    }

    @AfterEach
    void stop() {
        collector.close();
    }

    @Test
    void everyDocumentedSeriesIsThereAtZeroBeforeTheFirstFailure() {
        assertThat(UnderLoad.sample(baselineScrape, "dnsflow_flows_dropped_total{sink=\"otlp\"}")).isZero();
        for (String reason : List.of("503", "429", "413", "timeout", "connection")) {
            assertThat(UnderLoad.sample(baselineScrape, "dnsflow_otlp_export_errors_total{reason=\"" + reason + "\"}"))
                    .as(reason).isZero();
        }
        assertThat(UnderLoad.sample(baselineScrape, "dnsflow_otlp_spans_exported_total")).isNotNaN();
        assertThat(UnderLoad.sample(baselineScrape, "dnsflow_otlp_queue")).isNotNaN();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {503, 429})
    void aStatusWithRetryAfterThatClearsEndsInRetriesAndTheBatchArrives(int status) throws Exception {
        collector.server().resetAll();
        collector.server().stubFor(any(anyUrl()).inScenario("busy").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(status).withHeader("Retry-After", "1")).willSetStateTo("still busy"));
        collector.server().stubFor(any(anyUrl()).inScenario("busy").whenScenarioStateIs("still busy")
                .willReturn(aResponse().withStatus(status).withHeader("Retry-After", "1")).willSetStateTo("fine"));
        collector.server().stubFor(any(anyUrl()).inScenario("busy").whenScenarioStateIs("fine")
                .willReturn(aResponse().withStatus(200)));
        try (UnderLoad run = new UnderLoad(collector.endpoint(), Map.of())) {
            UnderLoad.Result result = run.load(Faults.LOAD);

            Faults.dnsDidNotNotice(result, baseline);
            Eventually.await(() -> run.count("dnsflow.otlp.spans.exported") > 0, Duration.ofSeconds(20),
                    "the batch exported once the collector takes it");
            List<ServeEvent> first = Faults.byBody(collector).values().iterator().next();
            assertThat(first).extracting(e -> e.getResponse().getStatus()).as("the same batch, posted again")
                    .containsExactly(status, status, 200);
            Faults.retriesWaitedForRetryAfter(first);

            run.close();
            assertThat(run.count("dnsflow.otlp.export.errors", "reason", Integer.toString(status)))
                    .as("retried, not failed").isZero();
            Faults.everyFlowAccountedFor(run, result);
        }
    }

    @Test
    void a413IsNotRetriedAndEndsInCountedDrops() throws Exception {
        collector.server().resetAll();
        collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withStatus(413)));
        try (UnderLoad run = new UnderLoad(collector.endpoint(), Map.of())) {
            UnderLoad.Result result = run.load(Faults.LOAD);

            Faults.dnsDidNotNotice(result, baseline);
            Eventually.await(() -> run.count("dnsflow.otlp.export.errors", "reason", "413") >= 1, Duration.ofSeconds(20),
                    "an export refused with 413");
            String scrape = run.scrape();
            assertThat(UnderLoad.sample(scrape, "dnsflow_otlp_export_errors_total{reason=\"413\"}")).isPositive();
            assertThat(UnderLoad.sample(scrape, "dnsflow_flows_dropped_total{sink=\"otlp\"}")).isPositive();

            run.close();
            assertThat(Faults.byBody(collector)).as("each batch posted once").hasSize(collector.requests().size());
            assertThat(run.count("dnsflow.otlp.export.errors", "reason", "413"))
                    .as("one error per batch").isEqualTo(collector.requests().size());
            assertThat(run.count("dnsflow.otlp.spans.exported")).isZero();
            Faults.everyFlowAccountedFor(run, result);
        }
    }
}
