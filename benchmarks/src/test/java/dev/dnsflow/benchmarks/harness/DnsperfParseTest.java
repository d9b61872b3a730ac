package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DnsperfParseTest {
    /** Verbatim output of dnsperf 2.10.0 against NSD on this machine. */
    private static final String OUTPUT = String.join("\n",
            "DNS Performance Testing Tool",
            "Version 2.10.0",
            "",
            "[Status] Command line: dnsperf -s 127.0.0.1 -p 25353 -d q.txt -l 3 -c 8 -q 200",
            "[Status] Sending queries (to 127.0.0.1:25353)",
            "[Status] Started at: Wed Nov 25 20:19:44 2026",
            "[Status] Stopping after 3.000000 seconds",
            "[Status] Testing complete (time limit)",
            "",
            "Statistics:",
            "",
            "  Queries sent:         127460",
            "  Queries completed:    127400 (99.95%)",
            "  Queries lost:         60 (0.05%)",
            "",
            "  Response codes:       NOERROR 101918 (80.00%), NXDOMAIN 25482 (20.00%)",
            "  Average packet size:  request 31, response 87",
            "  Run time (s):         3.005322",
            "  Queries per second:   42411.428792",
            "",
            "  Average Latency (s):  0.004137 (min 0.000022, max 0.033586)",
            "  Latency StdDev (s):   0.003411",
            "");

    @Test
    void parsesTheStatisticsBlock() {
        Dnsperf.Result r = Dnsperf.parse(OUTPUT);

        assertThat(r.sent()).isEqualTo(127460);
        assertThat(r.completed()).isEqualTo(127400);
        assertThat(r.lost()).isEqualTo(60);
        assertThat(r.rcodes()).containsExactly(
                java.util.Map.entry("NOERROR", 101918L), java.util.Map.entry("NXDOMAIN", 25482L));
        assertThat(r.runSeconds()).isCloseTo(3.005322, within(1e-9));
        assertThat(r.qps()).isCloseTo(42411.428792, within(1e-6));
        assertThat(r.avgLatencySeconds()).isCloseTo(0.004137, within(1e-9));
        assertThat(r.lossRatio()).isCloseTo(60 / 127460.0, within(1e-12));
        assertThat(Dnsperf.rcodeShares(r.rcodes())).isEqualTo("NOERROR 80.0 %, NXDOMAIN 20.0 %");
    }

    @Test
    void oneResponseCodeAndNoLoss() {
        String out = OUTPUT.replace("NOERROR 101918 (80.00%), NXDOMAIN 25482 (20.00%)", "NOERROR 127400 (100.00%)");

        assertThat(Dnsperf.parse(out).rcodes()).containsExactly(java.util.Map.entry("NOERROR", 127400L));
    }

    @Test
    void outputWithoutStatisticsIsAnError() {
        assertThatThrownBy(() -> Dnsperf.parse("Error: Failed to open file q.txt\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Queries sent");
    }
}
