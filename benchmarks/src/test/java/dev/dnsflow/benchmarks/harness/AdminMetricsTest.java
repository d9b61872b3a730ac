package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdminMetricsTest {
    private static final String METRICS = String.join("\n",
            "# HELP dnsflow_kubernetes_synced 1 once the first list of the resource is in the index",
            "# TYPE dnsflow_kubernetes_synced gauge",
            "dnsflow_kubernetes_synced{resource=\"nodes\"} 1.0",
            "dnsflow_kubernetes_synced{resource=\"pods\"} 0.0",
            "dnsflow_flows_enriched_total{kind=\"pod\"} 12345.0 1712345678901",
            "");

    @Test
    void readsTheSampleWithTheLabel() {
        assertThat(AdminMetrics.value(METRICS, "dnsflow_kubernetes_synced", "resource=\"pods\"")).isEqualTo(0.0);
        assertThat(AdminMetrics.value(METRICS, "dnsflow_kubernetes_synced", "resource=\"nodes\"")).isEqualTo(1.0);
        assertThat(AdminMetrics.value(METRICS, "dnsflow_flows_enriched_total", "kind=\"pod\"")).as("timestamp ignored")
                .isEqualTo(12345.0);
    }

    @Test
    void nanWhenThereIsNoSuchSample() {
        assertThat(AdminMetrics.value(METRICS, "dnsflow_kubernetes_synced", "resource=\"jobs\"")).isNaN();
        assertThat(AdminMetrics.value(METRICS, "dnsflow_kubernetes", "resource=\"pods\"")).as("a prefix is not the metric").isNaN();
    }
}
