package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheCountersTest {
    @Test
    void dnsflowHitsOfEveryKindAgainstMisses() {
        String metrics = String.join("\n",
                "# TYPE dnsflow_cache_hits_total counter",
                "dnsflow_cache_hits_total{kind=\"success\"} 900.0",
                "dnsflow_cache_hits_total{kind=\"denial\"} 100.0",
                "# TYPE dnsflow_cache_misses_total counter",
                "dnsflow_cache_misses_total 25.0",
                "dnsflow_cache_misses_totals 7.0",
                "");

        assertThat(AdminMetrics.cacheCounters(metrics)).containsExactly(1000, 25);
        assertThat(AdminMetrics.sum(metrics, "dnsflow_cache_misses_total")).as("a longer name is another metric").isEqualTo(25.0);
    }

    @Test
    void dnsflowWithoutTheCacheHasNoCounters() {
        assertThat(AdminMetrics.cacheCounters("dnsflow_queries_total 5.0\n")).isNull();
        assertThat(AdminMetrics.cacheCounters(null)).isNull();
    }

    @Test
    void dnsdistJsonstat() {
        String json = "{\"acl-drops\": 0, \"cache-hits\": 123456, \"cache-misses\": 1000, \"cpu-iowait\": 0}";

        assertThat(Peers.dnsdistCacheCounters(json)).containsExactly(123456, 1000);
        assertThat(Peers.dnsdistCacheCounters("{}")).isNull();
    }

    @Test
    void unboundStats() {
        String stats = String.join("\n", "thread0.num.cachehits=10", "total.num.queries=1010", "total.num.cachehits=1000",
                "total.num.cachemiss=10", "total.num.prefetch=0", "");

        assertThat(Peers.unboundCacheCounters(stats)).containsExactly(1000, 10);
        assertThat(Peers.unboundCacheCounters("error: connect failed")).isNull();
    }
}
