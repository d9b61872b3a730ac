package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Stats.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Stats.median(List.of(7.0))).isEqualTo(7.0);
        assertThat(Stats.median(List.of())).isNaN();
    }

    @Test
    void medianIgnoresNaN() {
        assertThat(Stats.median(List.of(1.0, Double.NaN, 3.0))).isEqualTo(2.0);
    }

    @Test
    void ratiosArePairedWithinRoundsBeforeTheMedian() {
        // the machine's speed drifts between rounds; a ratio is only meaningful within one round
        List<Double> a = List.of(100.0, 60.0, 90.0);
        List<Double> b = List.of(50.0, 60.0, 100.0);

        assertThat(Stats.perRoundRatios(a, b)).containsExactly(2.0, 1.0, 0.9);
        assertThat(Stats.medianRatio(a, b)).isEqualTo(1.0);
        // which is not the ratio of the medians
        assertThat(Stats.median(a) / Stats.median(b)).isCloseTo(1.5, within(1e-12));
    }

    @Test
    void ratiosUseOnlyRoundsMeasuredForBoth() {
        assertThat(Stats.perRoundRatios(List.of(2.0, 4.0, 6.0), List.of(1.0, 2.0))).containsExactly(2.0, 2.0);
        assertThat(Stats.perRoundRatios(List.of(1.0), List.of(0.0)).get(0)).isNaN();
    }

    @Test
    void perRoundDifferences() {
        assertThat(Stats.perRoundDifferences(List.of(150.0, 300.0), List.of(100.0, 120.0))).containsExactly(50.0, 180.0);
        assertThat(Stats.median(Stats.perRoundDifferences(List.of(150.0, 300.0, 90.0), List.of(100.0, 120.0, 80.0))))
                .isEqualTo(50.0);
    }

    @Test
    void procStatParsing() {
        String stat = "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 30 0 100 0 0";

        assertThat(ProcStats.parseCpuTicks(stat)).isEqualTo(325);
        assertThat(ProcStats.parseStatusKib("Name:\tjava\nVmHWM:\t  532480 kB\nVmRSS:\t  300000 kB\n", "VmHWM:"))
                .isEqualTo(532480);
    }
}
