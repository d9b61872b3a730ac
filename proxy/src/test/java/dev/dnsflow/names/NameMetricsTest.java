package dev.dnsflow.names;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.testing.Flows;
import org.junit.jupiter.api.Test;

class NameMetricsTest {

    private static Flow named(String name) {
        Flow f = Flows.sample();
        return new Flow(f.id(), f.timeEpochNanos(), f.client(), new QueryInfo(1, name, 1, 1, true, false, false, 0, 40),
                f.attempts(), f.response(), f.durationMicros(), f.outcome());
    }

    @Test
    void countsTheFirstNamesSeparatelyAndTheRestAsOther() {
        ProxyMetrics metrics = ProxyMetrics.prometheus();
        NameMetrics names = new NameMetrics(metrics.registry(), 2);
        for (String n : new String[] {"a.example.", "B.example.", "a.example.", "c.example.", "d.example.", "b.example."}) {
            names.accept(named(n));
        }
        assertThat(metrics.count("dnsflow.queries.by.name", "name", "a.example.")).isEqualTo(2);
        assertThat(metrics.count("dnsflow.queries.by.name", "name", "b.example.")).isEqualTo(2);
        assertThat(metrics.count("dnsflow.queries.by.name", "name", "other")).isEqualTo(2);
        assertThat(metrics.registry().find("dnsflow.queries.by.name").counters()).hasSize(3);
        assertThat(metrics.scrape()).contains("dnsflow_queries_by_name_total{name=\"a.example.\"} 2.0");
    }
}
