package dev.dnsflow.otel;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No collector at all (a closed port): the exporter's attempts are refused, retried until its timeout, and the
 * export is counted as {@code connection} (not as the timeout that ended the retries); DNS never notices.
 */
class OtlpCollectorDownTest {
    @BeforeAll
    static void healthyCollector() throws Exception {
        Faults.baseline(); // before any fault, on the same machine
    }

    @Test
    void aCollectorThatIsDownCostsConnectionErrorsAndCountedDrops() throws Exception {
        String endpoint;
        try (Collector gone = new Collector()) {
            endpoint = gone.endpoint(); // a port nobody listens on once it is closed
        }
        OtlpCollectorOutageTest.outage(endpoint, ExportErrors.CONNECTION);
    }
}
