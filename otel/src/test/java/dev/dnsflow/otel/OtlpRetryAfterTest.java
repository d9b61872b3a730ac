package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.dnsflow.testing.Eventually;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collector answers 503 or 429 with Retry-After: 1 for good, while a client queries a real proxy as fast as it
 * gets answers: each batch is retried (the SDK's 5 attempts, Retry-After apart), then given up and counted by its
 * status, its flows as drops; DNS never notices ({@link Faults#dnsDidNotNotice}).
 */
class OtlpRetryAfterTest {
    @BeforeAll
    static void healthyCollector() throws Exception {
        Faults.baseline(); // before any fault, on the same machine
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {503, 429})
    void aStatusWithRetryAfterForGoodIsRetriedThenCountedAsDrops(int status) throws Exception {
        String reason = Integer.toString(status);
        try (Collector collector = new Collector()) {
            collector.server().resetAll();
            collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withStatus(status)
                    .withHeader("Retry-After", "1")));
            // 6 s: room for the SDK's 5 attempts 1 s apart. A timeout that runs out while the exporter waits for
            // Retry-After ends the export as a timeout, not as the status (OkHttp's call timeout cancels the wait).
            try (UnderLoad run = new UnderLoad(collector.endpoint(), Map.of("OTEL_EXPORTER_OTLP_TIMEOUT", "6000"))) {
                UnderLoad.Result result = run.load(Faults.LOAD);

                Faults.dnsDidNotNotice(result, Faults.baseline());
                Eventually.await(() -> run.count("dnsflow.otlp.export.errors", "reason", reason) >= 1,
                        Duration.ofSeconds(20), "an export given up with " + status);
                String scrape = run.scrape();
                assertThat(UnderLoad.sample(scrape, "dnsflow_otlp_export_errors_total{reason=\"" + reason + "\"}"))
                        .isPositive();
                assertThat(UnderLoad.sample(scrape, "dnsflow_flows_dropped_total{sink=\"otlp\"}")).isPositive();
                Map<ByteBuffer, List<ServeEvent>> batches = Faults.byBody(collector);
                assertThat(collector.requests().size()).as("retried: more posts than batches").isGreaterThan(batches.size());
                List<ServeEvent> first = batches.values().iterator().next();
                assertThat(first).as("the first batch, posted again (up to the SDK's 5 attempts) within the timeout")
                        .hasSizeGreaterThanOrEqualTo(2);
                Faults.retriesWaitedForRetryAfter(first);

                run.close();
                assertThat(run.count("dnsflow.otlp.spans.exported")).isZero();
                Faults.everyFlowAccountedFor(run, result);
            }
        }
    }
}
