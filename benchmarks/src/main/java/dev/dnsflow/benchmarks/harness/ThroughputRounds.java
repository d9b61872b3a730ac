package dev.dnsflow.benchmarks.harness;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The dnsperf rounds: after an unrecorded warmup, every round measures every setup once, in the same
 * order (A B C D E A B C D E ...), so slow drifts of this shared machine hit all setups alike. Around
 * each run it reads the CPU time of the setup's process (also per thread) and of NSD, samples the
 * setup's RSS and, for a cache, reads its hit and miss counters.
 */
final class ThroughputRounds {
    /** One setup in one round. */
    record Measurement(int round, Dnsperf.Result dnsperf, double wallSeconds, double cpuSeconds,
                       double systemCpuSeconds, double nsdCpuSeconds, long maxRssKib, Map<String, Long> threadTicks,
                       long cacheHits, long cacheMisses) {
        /** Whether the setup's cache counters were read around this run (else hits and misses are -1). */
        boolean hasCacheCounters() {
            return cacheHits >= 0 && cacheMisses >= 0;
        }

        double qps() {
            return dnsperf.qps();
        }

        /** Cores the setup's process kept busy. */
        double cores() {
            return cpuSeconds / wallSeconds;
        }

        /** The kernel's share of the process's CPU (system calls, network stack). */
        double systemShare() {
            return cpuSeconds == 0 ? Double.NaN : systemCpuSeconds / cpuSeconds;
        }

        /** CPU microseconds of the setup's process per completed query. */
        double cpuMicrosPerQuery() {
            return dnsperf.completed() == 0 ? Double.NaN : cpuSeconds * 1e6 / dnsperf.completed();
        }

        /** The part of {@link #cpuMicrosPerQuery} spent in the kernel (system calls, the network stack). */
        double kernelMicrosPerQuery() {
            return dnsperf.completed() == 0 ? Double.NaN : systemCpuSeconds * 1e6 / dnsperf.completed();
        }

        /** The part of {@link #cpuMicrosPerQuery} spent in the process's own code. */
        double userMicrosPerQuery() {
            return cpuMicrosPerQuery() - kernelMicrosPerQuery();
        }
    }

    private final Dnsperf dnsperf;
    private final Setup nsd;
    private final PrintStream progress;

    ThroughputRounds(Dnsperf dnsperf, Setup nsd, PrintStream progress) {
        this.dnsperf = dnsperf;
        this.nsd = nsd;
        this.progress = progress;
    }

    /** Runs warmup and {@code rounds}; returns the measurements per setup name, in setup order. */
    Map<String, List<Measurement>> run(List<Setup> setups, int rounds, int seconds, int warmupSeconds)
            throws InterruptedException {
        if (warmupSeconds > 0) {
            for (Setup s : setups) {
                Dnsperf.Result r = dnsperf.run(s.address(), warmupSeconds, "warmup-" + s.name());
                progress.printf("warmup %-22s %,9.0f qps  lost %.2f %%  (%s)%n", s.name(), r.qps(),
                        100 * r.lossRatio(), Dnsperf.rcodeShares(r.rcodes()));
            }
        }
        Map<String, List<Measurement>> results = new LinkedHashMap<>();
        setups.forEach(s -> results.put(s.name(), new ArrayList<>()));
        for (int round = 1; round <= rounds; round++) {
            for (Setup s : setups) {
                Measurement m = measure(s, round, seconds);
                results.get(s.name()).add(m);
                progress.printf("round %d/%d %-22s %,9.0f qps  lost %.2f %%  cpu %.2f cores (%.1f us/query)%s%n",
                        round, rounds, s.name(), m.qps(), 100 * m.dnsperf().lossRatio(), m.cores(),
                        m.cpuMicrosPerQuery(), m.hasCacheCounters() ? String.format("  cache hits %.2f %%",
                                100.0 * m.cacheHits() / Math.max(1, m.cacheHits() + m.cacheMisses())) : "");
            }
        }
        return results;
    }

    private Measurement measure(Setup s, int round, int seconds) throws InterruptedException {
        long pid = s.process().pid();
        AtomicLong maxRss = new AtomicLong(ProcStats.rssKib(pid));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rss-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> maxRss.accumulateAndGet(ProcStats.rssKib(pid), Math::max),
                100, 250, TimeUnit.MILLISECONDS);
        long[] cache0 = s.cache() == null ? null : s.cache().read();
        Map<String, Long> threads0 = ProcStats.threadTicks(pid);
        double cpu0 = ProcStats.cpuSeconds(pid);
        double sys0 = ProcStats.systemCpuSeconds(pid);
        double nsd0 = ProcStats.cpuSeconds(nsd.process().pid());
        long t0 = System.nanoTime();
        Dnsperf.Result r;
        try {
            r = dnsperf.run(s.address(), seconds, "r" + round + "-" + s.name());
        } finally {
            sampler.shutdownNow();
        }
        // dnsperf's own run time excludes its start-up and the final wait for stragglers
        double wall = r.runSeconds() > 0 ? r.runSeconds() : (System.nanoTime() - t0) / 1e9;
        double cpu = ProcStats.cpuSeconds(pid) - cpu0;
        double sys = ProcStats.systemCpuSeconds(pid) - sys0;
        Map<String, Long> threads = new TreeMap<>();
        ProcStats.threadTicks(pid).forEach((name, ticks) ->
                threads.put(name, Math.max(0, ticks - threads0.getOrDefault(name, 0L))));
        double nsdCpu = ProcStats.cpuSeconds(nsd.process().pid()) - nsd0;
        maxRss.accumulateAndGet(ProcStats.rssKib(pid), Math::max);
        long[] cache1 = cache0 == null ? null : s.cache().read();
        boolean counted = cache0 != null && cache1 != null;
        if (!s.process().isAlive()) {
            throw new IllegalStateException(s.name() + " died during round " + round + ":\n" + s.process().tail(30));
        }
        return new Measurement(round, r, wall, cpu, sys, nsdCpu, maxRss.get(), threads,
                counted ? cache1[0] - cache0[0] : -1, counted ? cache1[1] - cache0[1] : -1);
    }
}
