package dev.dnsflow.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;

/** The goals, each checked against the measured number (never assumed). */
final class Goals {
    /** One goal: what, the target, the measured value, met or not (null: not measured). */
    record Goal(String what, String target, String measured, Boolean met) {
        String status() {
            return met == null ? "not measured" : met ? "met" : "not met";
        }
    }

    static final double RSS_LIMIT_MIB = 256;

    private Goals() {
    }

    static List<Goal> evaluate(RunData d) {
        List<Goal> goals = new ArrayList<>();
        goals.add(ratio(d, "dnsflow (recording on) / dnsdist default, qps", Setup.FLOW_ON, Setup.DNSDIST, 1.3));
        goals.add(ratio(d, "dnsflow (recording on) / dnsdist tuned, qps", Setup.FLOW_ON, Setup.DNSDIST_TUNED, 1.1));
        goals.add(ratio(d, "recording on / recording off (ring of 1, no sinks), qps", Setup.FLOW_ON, Setup.FLOW_OFF, 0.95));
        if (d.hasLatency()) {
            double added = d.addedMicros(Setup.FLOW_ON, 99);
            String what = String.format("p99 added latency of dnsflow (recording on) at %,d qps", d.latencyRate());
            if (added < 0) {
                // NSD direct was slower than through a proxy: its runs were disturbed, the difference means nothing
                goals.add(new Goal(what, "≤ 200 µs", String.format("%.0f µs (negative: noise)", added), null));
            } else {
                goals.add(new Goal(what, "≤ 200 µs", String.format("%,.0f µs", added), added <= 200));
            }
        } else {
            goals.add(new Goal("p99 added latency of dnsflow (recording on)", "≤ 200 µs", "-", null));
        }
        Long hwm = d.peakRssKib().get(Setup.FLOW_ON);
        String flags = d.options().dnsflowJavaOpts.isBlank() ? "JVM defaults"
                : "`" + d.options().dnsflowJavaOpts + "`";
        if (hwm == null) {
            goals.add(new Goal("peak RSS of dnsflow (recording on)", "≤ 256 MiB", "-", null));
        } else {
            double mib = hwm / 1024.0;
            goals.add(new Goal("peak RSS (VmHWM) of dnsflow recording on, 100 000-flow ring, full load, " + flags,
                    "≤ 256 MiB", String.format("%.0f MiB", mib), mib <= RSS_LIMIT_MIB));
        }
        return goals;
    }

    private static Goal ratio(RunData d, String what, String a, String b, double target) {
        double r = d.ratio(a, b);
        if (Double.isNaN(r)) {
            return new Goal(what, String.format("≥ %.2f×", target), "-", null);
        }
        return new Goal(what, String.format("≥ %.2f×", target), String.format("%.2f×", r), r >= target);
    }
}
