package dev.dnsflow.benchmarks.harness;

import java.util.List;
import java.util.Map;

/** Everything one run measured, handed to the report writer and the plot. */
record RunData(Options options, String date, double minutes, Machine machine, String loadAtEnd,
               Map<String, String> versions, List<Setup> setups, String dnsperfCommand,
               Map<String, List<ThroughputRounds.Measurement>> throughput, Map<String, Long> peakRssKib,
               int latencyRate, String latencyRateBasis, Map<String, List<LatencyGenerator.Result>> latency,
               List<Setup> variants) {

    boolean measured(String setup) {
        return throughput.containsKey(setup);
    }

    List<Double> qps(String setup) {
        List<ThroughputRounds.Measurement> ms = throughput.get(setup);
        return ms == null ? List.of() : ms.stream().map(ThroughputRounds.Measurement::qps).toList();
    }

    double medianQps(String setup) {
        return Stats.median(qps(setup));
    }

    /** Median over rounds of the setup's user-space CPU µs per query. */
    double medianUserMicros(String setup) {
        return Stats.median(throughput.get(setup).stream().map(ThroughputRounds.Measurement::userMicrosPerQuery).toList());
    }

    /** Median over rounds of the setup's kernel CPU µs per query. */
    double medianKernelMicros(String setup) {
        return Stats.median(throughput.get(setup).stream().map(ThroughputRounds.Measurement::kernelMicrosPerQuery).toList());
    }

    double ratio(String a, String b) {
        return Stats.medianRatio(qps(a), qps(b));
    }

    boolean hasLatency() {
        return latency != null && !latency.isEmpty() && latency.containsKey(Setup.DIRECT)
                && !latency.get(Setup.DIRECT).isEmpty();
    }

    double addedMicros(String setup, double percentile) {
        return LatencyRounds.medianAdded(latency.get(setup), latency.get(Setup.DIRECT), percentile);
    }
}
