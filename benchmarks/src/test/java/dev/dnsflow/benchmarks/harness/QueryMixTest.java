package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class QueryMixTest {
    @Test
    void cacheHitMixRepeatsOneThousandDistinctQueriesEvenly() {
        List<QueryMix.Query> queries = QueryMix.Mix.CACHE_HIT.generate(10_000);

        assertThat(queries).hasSize(10_000);
        Map<QueryMix.Query, Long> counts = queries.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(counts).hasSize(QueryMix.CACHE_HIT_DISTINCT);
        assertThat(new HashSet<>(counts.values())).containsExactly(10L);
        assertThat(counts.keySet().stream().filter(q -> q.name().startsWith("nx-"))).hasSize(QueryMix.CACHE_HIT_NXDOMAIN);
        assertThat(counts.keySet()).allMatch(q -> q.name().endsWith("." + QueryMix.ZONE) || q.name().equals(QueryMix.ZONE));
        assertThat(queries.subList(0, 20)).as("shuffled").doesNotHaveDuplicates();
    }

    @Test
    void bothMixesAreTheSameEveryRun() {
        assertThat(QueryMix.Mix.CACHE_HIT.generate(5_000)).isEqualTo(QueryMix.Mix.CACHE_HIT.generate(5_000));
        assertThat(QueryMix.Mix.DEFAULT.generate(5_000)).isEqualTo(QueryMix.generate(5_000));
    }

    @Test
    void theDefaultMixIsMostlyDistinctNamesSoACacheWouldMiss() {
        long distinct = QueryMix.Mix.DEFAULT.generate(10_000).stream().distinct().count();

        assertThat(distinct).isGreaterThan(3_000);
    }
}
