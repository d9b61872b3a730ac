package dev.dnsflow.benchmarks.harness;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The latency runs: the same fixed rate against every setup, NSD direct included, interleaved round
 * by round like the throughput runs. Added latency is a setup's percentile minus NSD direct's in the
 * same round; the report takes the median over rounds.
 */
final class LatencyRounds {
    static final double[] PERCENTILES = {50, 90, 99, 99.9};
    static final String[] LABELS = {"p50", "p90", "p99", "p99.9"};

    private final LatencyGenerator generator;
    private final PrintStream progress;

    LatencyRounds(LatencyGenerator generator, PrintStream progress) {
        this.generator = generator;
        this.progress = progress;
    }

    Map<String, List<LatencyGenerator.Result>> run(List<Setup> setups, int rate, int rounds, double warmupSeconds,
                                                   double seconds) throws InterruptedException {
        Map<String, List<LatencyGenerator.Result>> results = new LinkedHashMap<>();
        setups.forEach(s -> results.put(s.name(), new ArrayList<>()));
        for (int round = 1; round <= rounds; round++) {
            for (Setup s : setups) {
                LatencyGenerator.Result r = generator.run(s.address(), rate, warmupSeconds, seconds);
                results.get(s.name()).add(r);
                progress.printf("latency %d/%d %-22s %,7.0f qps  p50 %6.0f us  p99 %6.0f us  p99.9 %6.0f us  lost %d%n",
                        round, rounds, s.name(), r.achievedRate(), r.percentileMicros(50), r.percentileMicros(99),
                        r.percentileMicros(99.9), r.lost());
            }
        }
        return results;
    }

    /** Median over rounds of percentile {@code p} (µs) of one setup. */
    static double medianPercentile(List<LatencyGenerator.Result> results, double p) {
        return Stats.median(results.stream().map(r -> r.percentileMicros(p)).toList());
    }

    /** Median over rounds of (setup's percentile − direct's percentile in the same round), µs. */
    static double medianAdded(List<LatencyGenerator.Result> setup, List<LatencyGenerator.Result> direct, double p) {
        return Stats.median(Stats.perRoundDifferences(
                setup.stream().map(r -> r.percentileMicros(p)).toList(),
                direct.stream().map(r -> r.percentileMicros(p)).toList()));
    }
}
