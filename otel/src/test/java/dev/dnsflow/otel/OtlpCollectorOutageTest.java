package dev.dnsflow.otel;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.dnsflow.testing.Eventually;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The collector resets every connection, or is not there at all (a closed port: the exporter's attempts are
 * refused and retried until its timeout, and the export still counts as {@code connection}); slow:
 * {@link OtlpSlowCollectorTest}. Meanwhile a client queries a real proxy as fast as it gets answers: DNS never
 * notices ({@link Faults#dnsDidNotNotice}), the queue stays within its capacity, and every flow is exported or
 * counted as dropped, with the failures counted by their reason.
 */
class OtlpCollectorOutageTest {
    /** Short, so each case gives up within the run (and, for the slow collector, well below its 5 s delay). */
    static final Map<String, String> TIMEOUT_2S = Map.of("OTEL_EXPORTER_OTLP_TIMEOUT", "2000");

    @BeforeAll
    static void healthyCollector() throws Exception {
        Faults.baseline();
    }

    @Test
    void aCollectorThatResetsTheConnectionCostsConnectionErrorsAndCountedDrops() throws Exception {
        try (Collector collector = new Collector()) {
            collector.server().resetAll();
            collector.server().stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
            outage(collector.endpoint(), ExportErrors.CONNECTION);
        }
    }

    @Test
    void aCollectorThatIsDownCostsConnectionErrorsAndCountedDrops() throws Exception {
        String endpoint;
        try (Collector gone = new Collector()) {
            endpoint = gone.endpoint(); // a port nobody listens on once it is closed
        }
        outage(endpoint, ExportErrors.CONNECTION);
    }

    static void outage(String endpoint, String reason) throws Exception {
        try (UnderLoad run = new UnderLoad(endpoint, TIMEOUT_2S)) {
            UnderLoad.Result result = run.load(Faults.LOAD);

            Faults.dnsDidNotNotice(result, Faults.baseline());
            Eventually.await(() -> run.count("dnsflow.otlp.export.errors", "reason", reason) >= 1,
                    Duration.ofSeconds(20), () -> "an export failed as " + reason + ": " + run.metrics().scrape());
            String scrape = run.scrape();
            assertThat(UnderLoad.sample(scrape, "dnsflow_otlp_export_errors_total{reason=\"" + reason + "\"}"))
                    .isPositive();
            assertThat(UnderLoad.sample(scrape, "dnsflow_flows_dropped_total{sink=\"otlp\"}")).isPositive();

            double total = run.metrics().total("dnsflow.otlp.export.errors"); // read first: only `reason` may grow
            assertThat(total).as("no other reason while it lasts: %s", scrape)
                    .isLessThanOrEqualTo(run.count("dnsflow.otlp.export.errors", "reason", reason));

            run.close(); // the export that close() cuts short, if any, is a timeout: the flush's time ran out
            assertThat(run.count("dnsflow.otlp.spans.exported")).isZero();
            Faults.everyFlowAccountedFor(run, result);
        }
    }
}
