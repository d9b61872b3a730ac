package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** #17's goals, checked against the numbers of a run: what a reader of RESULTS.md sees as met or not. */
class GoalsTest {
    private final Map<String, List<ThroughputRounds.Measurement>> throughput = new LinkedHashMap<>();
    private final Map<String, List<LatencyGenerator.Result>> latency = new LinkedHashMap<>();

    @Test
    void dnsflowAgainstDnsdistDefaultIsJudgedOnQpsAndOnUserAndKernelCpuEach() {
        // 100 000 queries per round; dnsflow: 10 000 qps, 0.4 s user + 0.6 s kernel; dnsdist: 9 000 qps, 0.3 + 0.9 s
        measure(Setup.FLOW_ON, 10_000, 0.4, 0.6);
        measure(Setup.DNSDIST, 9_000, 0.3, 0.9);

        Map<String, Goals.Goal> goals = goals();

        assertThat(goals.get("dnsflow (recording on) / dnsdist default, qps").met()).isTrue();
        assertThat(goals.get("dnsflow (recording on) / dnsdist default, qps (stretch)").met()).isFalse();
        Goals.Goal user = goals.get("user-space CPU µs per query of dnsflow (recording on) vs dnsdist default");
        assertThat(user.measured()).isEqualTo("4.0 µs");
        assertThat(user.target()).isEqualTo("≤ 3.0 µs (dnsdist's)");
        assertThat(user.met()).isFalse();
        Goals.Goal kernel = goals.get("kernel CPU µs per query of dnsflow (recording on) vs dnsdist default");
        assertThat(kernel.measured()).isEqualTo("6.0 µs");
        assertThat(kernel.met()).isTrue();
    }

    @Test
    void theLogIsJudgedAgainstRecordingOnAndP99AgainstDnsdistsInTheSameRun() {
        measure(Setup.FLOW_ON, 10_000, 0.4, 0.6);
        measure(Setup.FLOW_LOG, 9_400, 0.5, 0.6);
        measure(Setup.DNSDIST, 9_000, 0.3, 0.9);
        latency(Setup.DIRECT, 100);
        latency(Setup.FLOW_ON, 900); // +800 µs
        latency(Setup.FLOW_LOG, 1_300); // +1 200 µs
        latency(Setup.DNSDIST, 1_100); // +1 000 µs

        Map<String, Goals.Goal> goals = goals();

        assertThat(goals.get("recording on + JSON flow log / recording on, qps").met()).isFalse(); // 0.94
        Goals.Goal p99 = goals.get("p99 added latency of dnsflow (recording on) at 5,000 qps");
        assertThat(p99.target()).startsWith("≤ 1,0").endsWith("µs (dnsdist default's)");
        assertThat(p99.met()).isTrue();
        assertThat(goals.get("p99 added latency of dnsflow (recording on + JSON flow log) at 5,000 qps").met()).isFalse();
    }

    private Map<String, Goals.Goal> goals() {
        RunData d = new RunData(Options.parse(new String[0]), "now", 1, new Machine(2, "cpu", "1 GiB", "linux", "0"),
                "0", Map.of(), List.of(), "dnsperf", throughput, Map.of(), 5_000, "test", latency, List.of());
        Map<String, Goals.Goal> byWhat = new LinkedHashMap<>();
        Goals.evaluate(d).forEach(g -> byWhat.put(g.what(), g));
        return byWhat;
    }

    private void measure(String setup, double qps, double userSeconds, double kernelSeconds) {
        Dnsperf.Result r = new Dnsperf.Result(100_000, 100_000, 0, Map.of(), 100_000 / qps, qps, 0.001);
        throughput.put(setup, List.of(new ThroughputRounds.Measurement(1, r, 100_000 / qps, userSeconds + kernelSeconds,
                kernelSeconds, 0.1, 0, Map.of(), -1, -1)));
    }

    private void latency(String setup, long p99Micros) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < 100; i++) {
            h.recordValue(i < 98 ? 50_000 : p99Micros * 1000); // the top 2 %: p99 is p99Micros
        }
        latency.put(setup, List.of(new LatencyGenerator.Result(100, 100, 0, 5_000, 0, h)));
    }
}
