package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes {@code RESULTS.md}: goals, throughput, ratios, latency, setups, method and raw rounds. */
final class ReportWriter {
    static final String BUILD = "./mvnw -q -pl benchmarks -am package -DskipTests";
    /** Hand-written next to RESULTS.md and copied into it: what each change bought, why a goal is not met. */
    static final String ANALYSIS = "analysis.md";

    private ReportWriter() {
    }

    static void write(RunData d, List<Goals.Goal> goals, Path file, String plotName) throws IOException {
        StringBuilder md = new StringBuilder();
        Options o = d.options();
        md.append("# dnsflow benchmark results\n\n");
        md.append("Written by `benchmarks/run` on ").append(d.date()).append(String.format(" (%.1f minutes).%n%n", d.minutes()));
        md.append("```sh\n").append(BUILD).append(" && ").append(o.commandLine()).append("\n```\n\n");
        md.append(goalsTable(goals)).append('\n');
        Path analysis = file.resolveSibling(ANALYSIS);
        if (Files.exists(analysis)) {
            md.append(Files.readString(analysis).strip()).append("\n\n");
        }
        md.append("## Throughput\n\n");
        md.append(String.format("dnsperf, %d rounds × %d s per setup, interleaved (every round measures every setup in "
                + "the order below), after %d s of unrecorded warmup per setup. Median over rounds; CPU is utime+stime of "
                + "the setup's process from /proc/PID/stat over each run; RSS is VmHWM (peak over the process's life) "
                + "and the largest VmRSS sampled every 250 ms during its runs.%n%n", o.rounds, o.seconds, o.warmupSeconds));
        md.append(throughputTable(d)).append('\n');
        md.append("Ratios, taken pair by pair within each round, then the median of the per-round ratios:\n\n");
        md.append(ratioTable(d)).append('\n');
        if (d.throughput().values().stream().flatMap(List::stream).anyMatch(ThroughputRounds.Measurement::hasCacheCounters)) {
            md.append("Cache hits during the measured rounds (the cache's own counters, read before and after each run: "
                    + "dnsflow's `dnsflow_cache_hits_total` and `dnsflow_cache_misses_total`, dnsdist's `cache-hits` and "
                    + "`cache-misses` from its web server's `jsonstat`, unbound's `total.num.cachehits` and `cachemiss` "
                    + "from `unbound-control stats_noreset`):\n\n").append(cacheTable(d)).append('\n');
        }
        md.append("Where each proxy's CPU went during its runs (threads grouped by name, the kernel keeps 15 "
                + "characters; share of the process's CPU over all rounds):\n\n").append(threadTable(d)).append('\n');
        if (d.hasLatency()) {
            String saturation = d.measured(Setup.FLOW_ON) ? Setup.FLOW_ON : d.latencyRateBasis();
            md.append("## Latency\n\n");
            md.append(String.format("Open-loop generator (Netty UDP, 4 source ports, HdrHistogram), %,d qps = %.0f %% of "
                    + "%s's median throughput, the same rate against every setup; %d rounds × %.0f s "
                    + "recorded (after %.1f s unrecorded) per setup, interleaved. Latency is from writing a query to "
                    + "reading its answer. Median over rounds; \"added\" is the setup's percentile minus NSD direct's "
                    + "in the same round, median over rounds. µs. The rate is %.0f %% of %s's own median "
                    + "throughput above: near 100 %% a setup is saturated and its latency is mostly queueing. "
                    + "\"generator max lag\" is how far the generator's "
                    + "sends fell behind their schedule at worst (the machine's scheduler starving it).%n%n", d.latencyRate(), 100 * o.latencyFraction,
                    d.latencyRateBasis(), o.latencyRounds, o.latencySeconds, o.latencyWarmupSeconds,
                    100.0 * d.latencyRate() / d.medianQps(saturation), saturation));
            md.append(latencyTable(d)).append('\n');
            md.append("![latency percentiles per setup](").append(plotName).append(")\n\n");
        }
        md.append("## Setups\n\n");
        for (Setup s : d.setups()) {
            md.append("- **").append(s.name()).append("**: ").append(s.description()).append('\n');
        }
        if (d.setups().stream().anyMatch(x -> Setup.CACHES.contains(x.name()))) {
            md.append("\nThe caches answer the cache-hit mix: dnsflow nodelocal with the defaults `dnsflow nodelocal` "
                    + "starts with (the cache on with the node-local-dns template's sizes, 9 984 entries per part, success "
                    + "answers kept up to 30 s and denials up to 5 s; recording on with the default ring), dnsdist tuned "
                    + "plus a 10 000-entry packet cache, unbound forwarding to NSD. Every answer in the mix has a TTL "
                    + "of 300 s, so only dnsflow's caps expire entries during a run (the 150 NXDOMAIN names every 5 s).\n");
        }
        md.append("\nRecording on is dnsflow as users run it: the default 100 000-flow ring and the admin API "
                + "(whose live stream is a flow sink). `+log` also writes every flow as a JSON line to a file rotated "
                + "at 64 MB (2 kept) in the run's temp dir. Recording off is `--flow-buffer 0 --admin off`: nothing "
                + "wants flows, so the event loops build none. Names on is recording on plus `--kubernetes on` against "
                + "a mock API server holding a 10 000-pod cluster; dnsflow runs as a CoreDNS pod (downward-API variables), "
                + "and as the clients and NSD are on loopback, which dnsflow names as its own pod, every flow gets names "
                + "(two index lookups: client and upstream). The harness waits for the pods to be synced and a flow to be "
                + "named before measuring.\n\n");
        md.append("## Method\n\n");
        md.append("- dnsperf per run: `").append(d.dnsperfCommand()).append("` (`-c` clients = source ports, so "
                + "SO_REUSEPORT spreads them; `-q` outstanding high enough that throughput is not capped by "
                + "outstanding ÷ RTT).\n");
        md.append("- Query mix `").append(o.mix.flag).append("` (10 000 queries, fixed seed, the same for dnsperf and "
                + "the latency generator): ").append(o.mix.describe()).append(". No EDNS.\n");
        md.append("- All processes run on this machine, on loopback, and share its cores: dnsperf, NSD and the proxy "
                + "compete for CPU, so absolute numbers are low; compare ratios from one interleaved run only.\n");
        md.append("- Each proxy is started once and stays up for the whole run; NSD serves every setup.\n");
        md.append("- The OTLP setups export to a receiver in the harness's JVM that accepts every request and discards it "
                + "(its CPU is not charged to dnsflow).\n\n");
        md.append("## Machine and versions\n\n");
        Machine m = d.machine();
        md.append("- ").append(m.nproc()).append(" CPUs (`nproc`), ").append(m.cpuModel()).append(", ")
                .append(m.memory()).append(" RAM, ").append(m.kernel()).append('\n');
        md.append("- load average at start ").append(m.loadAtStart()).append(", at end ").append(d.loadAtEnd())
                .append(" (other work shared the machine)\n");
        d.versions().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("- dnsflow JVM flags (dnsflow-rec-on, dnsflow-names-on, dnsflow-rec-on+log, dnsflow-otlp-1.0, "
                + "dnsflow-otlp-0.01, dnsflow-rec-off, dnsflow-nodelocal-cache): ").append(o.dnsflowFlags()).append('\n');
        o.jvmVariants.forEach((label, opts) -> md.append("- variant dnsflow-rec-on[").append(label).append("]: ")
                .append(opts.isBlank() ? "none (the ./dnsflow launcher's own flags)" : "`DNSFLOW_JAVA_OPTS=\"" + opts + "\"`").append('\n'));
        o.jarVariants.forEach((label, jar) -> md.append("- variant dnsflow-rec-on[").append(label)
                .append("]: another build, `DNSFLOW_JAR=").append(jar).append("`, the launcher's flags\n"));
        md.append("\n## JMH (the per-query work, piece by piece)\n\n```sh\n").append(BUILD)
                .append(" && java -jar benchmarks/target/benchmarks.jar QueryPath\n")
                .append("java -jar benchmarks/target/benchmarks.jar Names -prof gc   # naming a flow, 10 000-pod index\n```\n\n");
        md.append("## Per-round throughput (qps)\n\n").append(roundsTable(d));
        Files.createDirectories(file.getParent());
        Files.writeString(file, md.toString());
    }

    static String goalsTable(List<Goals.Goal> goals) {
        StringBuilder t = new StringBuilder("| Goal | Target | Measured | Status |\n|---|---|---|---|\n");
        for (Goals.Goal g : goals) {
            t.append("| ").append(g.what()).append(" | ").append(g.target()).append(" | ").append(g.measured())
                    .append(" | ").append(g.met() == null ? g.status() : "**" + g.status() + "**").append(" |\n");
        }
        return t.toString();
    }

    static String throughputTable(RunData d) {
        StringBuilder t = new StringBuilder("| Setup | median qps | min – max | vs NSD direct | lost | CPU (cores) "
                + "| CPU µs/query | user / kernel µs | of which kernel | NSD CPU (cores) | peak RSS (VmHWM) | max sampled RSS |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String name : d.throughput().keySet()) {
            List<ThroughputRounds.Measurement> ms = d.throughput().get(name);
            List<Double> qps = d.qps(name);
            double lost = Stats.median(ms.stream().map(x -> 100 * x.dnsperf().lossRatio()).toList());
            t.append(String.format("| %s | %,.0f | %,.0f – %,.0f | %s | %.2f %% | %.2f | %.1f | %.1f / %.1f | %.0f %% | %s | %s | %s |%n",
                    name, Stats.median(qps), Stats.min(qps), Stats.max(qps),
                    name.equals(Setup.DIRECT) ? "1.00×" : String.format("%.2f×", d.ratio(name, Setup.DIRECT)),
                    lost, Stats.median(ms.stream().map(ThroughputRounds.Measurement::cores).toList()),
                    Stats.median(ms.stream().map(ThroughputRounds.Measurement::cpuMicrosPerQuery).toList()),
                    d.medianUserMicros(name), d.medianKernelMicros(name),
                    100 * Stats.median(ms.stream().map(ThroughputRounds.Measurement::systemShare).toList()),
                    name.equals(Setup.DIRECT) ? "(same)" : String.format("%.2f",
                            Stats.median(ms.stream().map(x -> x.nsdCpuSeconds() / x.wallSeconds()).toList())),
                    mib(d.peakRssKib().get(name)),
                    mib(ms.stream().mapToLong(ThroughputRounds.Measurement::maxRssKib).max().orElse(0))));
        }
        return t.toString();
    }

    static String ratioTable(RunData d) {
        String[][] pairs = {
            {Setup.FLOW_ON, Setup.DNSDIST}, {Setup.FLOW_ON, Setup.DNSDIST_TUNED}, {Setup.FLOW_LOG, Setup.DNSDIST},
            {Setup.FLOW_LOG, Setup.DNSDIST_TUNED}, {Setup.FLOW_OFF, Setup.DNSDIST}, {Setup.FLOW_OFF, Setup.DNSDIST_TUNED},
            {Setup.FLOW_ON, Setup.FLOW_OFF}, {Setup.FLOW_LOG, Setup.FLOW_OFF}, {Setup.FLOW_ON, Setup.DIRECT},
            {Setup.DNSDIST, Setup.DIRECT}, {Setup.DNSDIST_TUNED, Setup.DIRECT}, {Setup.NAMES_ON, Setup.FLOW_ON},
            {Setup.NAMES_ON, Setup.FLOW_OFF}, {Setup.NAMES_ON, Setup.DNSDIST}, {Setup.OTLP_ALL, Setup.FLOW_ON},
            {Setup.OTLP_SAMPLED, Setup.FLOW_ON}, {Setup.OTLP_SAMPLED, Setup.DNSDIST},
            {Setup.NODELOCAL_CACHE, Setup.DNSDIST_CACHE}, {Setup.NODELOCAL_CACHE, Setup.UNBOUND_CACHE},
            {Setup.UNBOUND_CACHE, Setup.DNSDIST_CACHE}, {Setup.NODELOCAL_CACHE, Setup.DIRECT},
            {Setup.DNSDIST_CACHE, Setup.DIRECT}, {Setup.UNBOUND_CACHE, Setup.DIRECT}, {Setup.DNSDIST_CACHE, Setup.DNSDIST_TUNED}};
        StringBuilder t = new StringBuilder("| Ratio | median | per round |\n|---|---:|---|\n");
        for (String[] p : pairs) {
            if (d.measured(p[0]) && d.measured(p[1])) {
                appendRatio(t, d, p[0], p[1]);
            }
        }
        for (Setup v : d.variants()) {
            String like = v.name().substring(0, v.name().indexOf('[')); // the main setup it runs beside
            appendRatio(t, d, v.name(), like);
            if (d.measured(Setup.DNSDIST)) {
                appendRatio(t, d, v.name(), Setup.DNSDIST);
            }
        }
        return t.toString();
    }

    private static void appendRatio(StringBuilder t, RunData d, String a, String b) {
        List<Double> per = Stats.perRoundRatios(d.qps(a), d.qps(b));
        t.append(String.format("| %s / %s | %.2f | %s |%n", a, b, Stats.median(per),
                per.stream().map(r -> String.format("%.2f", r)).collect(Collectors.joining(", "))));
    }

    /** Hits / (hits + misses) per setup whose cache counters were read, summed over the measured rounds. */
    static String cacheTable(RunData d) {
        StringBuilder t = new StringBuilder("| Setup | hits | misses | hit ratio |\n|---|---:|---:|---:|\n");
        d.throughput().forEach((name, ms) -> {
            List<ThroughputRounds.Measurement> counted = ms.stream().filter(ThroughputRounds.Measurement::hasCacheCounters).toList();
            if (counted.isEmpty()) {
                return;
            }
            long hits = counted.stream().mapToLong(ThroughputRounds.Measurement::cacheHits).sum();
            long misses = counted.stream().mapToLong(ThroughputRounds.Measurement::cacheMisses).sum();
            t.append(String.format("| %s | %,d | %,d | %.2f %% |%n", name, hits, misses, 100.0 * hits / Math.max(1, hits + misses)));
        });
        return t.toString();
    }

    static String threadTable(RunData d) {
        StringBuilder t = new StringBuilder("| Setup | CPU by thread |\n|---|---|\n");
        for (Map.Entry<String, List<ThroughputRounds.Measurement>> e : d.throughput().entrySet()) {
            if (e.getKey().equals(Setup.DIRECT)) {
                continue;
            }
            Map<String, Long> sum = new HashMap<>();
            e.getValue().forEach(m -> m.threadTicks().forEach((k, v) -> sum.merge(k, v, Long::sum)));
            long total = Math.max(1, sum.values().stream().mapToLong(Long::longValue).sum());
            String shares = sum.entrySet().stream().filter(x -> 100.0 * x.getValue() / total >= 0.5)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(x -> String.format("`%s` %.0f %%", x.getKey(), 100.0 * x.getValue() / total))
                    .collect(Collectors.joining(", "));
            t.append("| ").append(e.getKey()).append(" | ").append(shares).append(" |\n");
        }
        return t.toString();
    }

    static String latencyTable(RunData d) {
        StringBuilder t = new StringBuilder("| Setup | p50 | p90 | p99 | p99.9 | added p50 | added p90 | added p99 "
                + "| added p99.9 | answered | lost | generator max lag |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<LatencyGenerator.Result>> e : d.latency().entrySet()) {
            List<LatencyGenerator.Result> rs = e.getValue();
            t.append("| ").append(e.getKey());
            for (double p : LatencyRounds.PERCENTILES) {
                t.append(String.format(" | %,.0f", LatencyRounds.medianPercentile(rs, p)));
            }
            for (double p : LatencyRounds.PERCENTILES) {
                t.append(e.getKey().equals(Setup.DIRECT) ? " | –" : String.format(" | %+,.0f", d.addedMicros(e.getKey(), p)));
            }
            t.append(String.format(" | %,d | %,d | %.1f ms |%n", rs.stream().mapToLong(LatencyGenerator.Result::answered).sum(),
                    rs.stream().mapToLong(LatencyGenerator.Result::lost).sum(),
                    rs.stream().mapToLong(LatencyGenerator.Result::maxLagNanos).max().orElse(0) / 1e6));
        }
        return t.toString();
    }

    static String roundsTable(RunData d) {
        StringBuilder t = new StringBuilder("| Round |");
        d.throughput().keySet().forEach(n -> t.append(' ').append(n).append(" |"));
        t.append("\n|---|").append("---:|".repeat(d.throughput().size())).append('\n');
        for (int r = 0; r < d.options().rounds; r++) {
            t.append("| ").append(r + 1).append(" |");
            for (String n : d.throughput().keySet()) {
                List<Double> q = d.qps(n);
                t.append(r < q.size() ? String.format(" %,.0f |", q.get(r)) : " – |");
            }
            t.append('\n');
        }
        return t.toString();
    }

    private static String mib(Long kib) {
        return kib == null || kib == 0 ? "–" : String.format("%.0f MiB", kib / 1024.0);
    }
}
