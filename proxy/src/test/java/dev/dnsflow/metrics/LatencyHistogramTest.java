package dev.dnsflow.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void samplesFromManyThreadsAddUpInTheScrape() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LatencyHistogram.Family family = new LatencyHistogram.Family(registry, "dnsflow_test_duration_seconds", "outcome",
                "A test histogram");
        LatencyHistogram answered = family.with("answered");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    answered.record(30_000);          // 30 µs: the first bucket (≤ 50 µs)
                    answered.record(3_000_000);       // 3 ms: ≤ 5 ms
                    answered.record(9_000_000_000L);  // 9 s: only +Inf
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        family.with("servfail").record(-5); // a clock step: counted as zero

        String text = registry.scrape();
        assertThat(text)
                .contains("# TYPE dnsflow_test_duration_seconds histogram")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"answered\",le=\"5.0E-5\"} 40000")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"answered\",le=\"0.002\"} 40000")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"answered\",le=\"0.005\"} 80000")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"answered\",le=\"8.0\"} 80000")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"answered\",le=\"+Inf\"} 120000")
                .contains("dnsflow_test_duration_seconds_count{outcome=\"answered\"} 120000")
                .contains("dnsflow_test_duration_seconds_bucket{outcome=\"servfail\",le=\"5.0E-5\"} 1");
        assertThat(text).containsPattern("dnsflow_test_duration_seconds_sum\\{outcome=\"answered\"} 360121\\.2\\d*");
        assertThat(answered.count()).isEqualTo(120_000);
    }
}
