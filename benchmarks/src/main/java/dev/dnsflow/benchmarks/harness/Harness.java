package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code benchmarks/run}: NSD direct against dnsflow (recording on and off, names on) and dnsdist (default
 * and tuned), or, with {@code --mix cache-hit}, caches (dnsflow nodelocal, dnsdist's packet cache, unbound), or the setups {@code --setups} names; throughput with dnsperf and latency with an open-loop generator; writes RESULTS.md and a
 * latency plot. Run from the repository root. Skips (exit 0) when nsd, dnsdist or dnsperf is missing.
 */
public final class Harness {
    private static final PrintStream OUT = System.out;
    /** Set by the shutdown hook (Ctrl-C, SIGTERM): failures of killed children are then expected. */
    private static volatile boolean interrupted;

    private Harness() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("benchmarks/run: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help) {
            OUT.println(Options.USAGE);
            return;
        }
        Map<String, Path> tools = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String t : Tools.PACKAGES.keySet().stream().sorted().toList()) {
            Optional<Path> p = Tools.find(t);
            p.ifPresentOrElse(path -> tools.put(t, path), () -> missing.add(t));
        }
        if (!missing.isEmpty()) {
            OUT.println("benchmarks/run: skipped: " + String.join(", ", missing) + " not installed (apt-get install -y "
                    + String.join(" ", missing.stream().map(Tools.PACKAGES::get).toList()) + ")");
            return;
        }
        if (o.setups.contains(Setup.UNBOUND_CACHE)) {
            Optional<Path> unbound = Tools.find("unbound");
            if (unbound.isEmpty()) {
                OUT.println("benchmarks/run: skipped: unbound not installed (apt-get install -y unbound), which "
                        + Setup.UNBOUND_CACHE + " needs");
                return;
            }
            tools.put("unbound", unbound.get());
            Tools.find("unbound-control").ifPresent(p -> tools.put("unbound-control", p));
        }
        Path launcher = Path.of("dnsflow").toAbsolutePath();
        if (!Files.isExecutable(launcher) || !Files.isRegularFile(Path.of("sidecar", "target", "dnsflow.jar"))) {
            System.err.println("benchmarks/run: run from the repository root after building dnsflow: "
                    + "./mvnw -q -B install -DskipTests -pl proxy,k8s,sidecar");
            System.exit(1);
        }
        Path tmp = Files.createTempDirectory("dnsflow-bench-");
        Thread cleanup = new Thread(() -> {
            interrupted = true;
            ChildProcess.stopAll();
            if (!o.keepTemp) {
                deleteRecursively(tmp);
            }
        }, "harness-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<AutoCloseable> closeAfterChildren = new ArrayList<>(); // the mock API server, once its clients are gone
        try {
            run(o, tools, launcher, tmp, closeAfterChildren);
        } catch (Exception | Error e) {
            if (interrupted) {
                System.err.println("benchmarks/run: interrupted; stopped every process it started");
                return;
            }
            System.err.println("benchmarks/run: failed: " + e.getMessage());
            throw e;
        } finally {
            ChildProcess.stopAll();
            for (AutoCloseable c : closeAfterChildren) {
                c.close();
            }
            if (o.keepTemp) {
                OUT.println("temp dir kept: " + tmp);
            }
        }
    }

    private static void run(Options o, Map<String, Path> tools, Path launcher, Path tmp, List<AutoCloseable> closeAfterChildren)
            throws Exception {
        long t0 = System.nanoTime();
        String date = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z"));
        Machine machine = Machine.describe();
        Map<String, String> versions = Machine.versions(tools.get("nsd"), tools.get("dnsdist"), tools.get("dnsperf"), launcher);
        OUT.printf("machine: %d CPUs, %s, %s; load %s%n", machine.nproc(), machine.cpuModel(), machine.memory(),
                machine.loadAtStart());
        versions.forEach((k, v) -> OUT.println(k + ": " + v));

        List<QueryMix.Query> mix = o.mix.generate(10_000);
        Path queryFile = tmp.resolve("queries.txt");
        QueryMix.writeDnsperfFile(mix, queryFile);
        Path logs = Files.createDirectories(tmp.resolve("dnsperf"));

        Peers peers = new Peers(tmp);
        Setup nsd = peers.startNsd(tools.get("nsd"));
        MockCluster cluster = null;
        if (o.setups.contains(Setup.NAMES_ON)) {
            long c0 = System.nanoTime();
            cluster = MockCluster.start(Files.createDirectories(tmp.resolve("cluster")));
            closeAfterChildren.add(cluster);
            OUT.printf("mock API server ready in %.1f s: %s%n", (System.nanoTime() - c0) / 1e9, MockCluster.describe());
        }
        List<String> command = o.dnsflowJvm == null ? List.of(launcher.toString()) : jvmCommand(o.dnsflowJvm);
        Map<String, OtlpReceiver> otlp = new LinkedHashMap<>();
        for (String name : List.of(Setup.OTLP_ALL, Setup.OTLP_SAMPLED)) {
            if (o.setups.contains(name)) {
                OtlpReceiver receiver = OtlpReceiver.start();
                closeAfterChildren.add(receiver);
                otlp.put(name, receiver);
            }
        }
        List<Setup> setups = start(o, tools, command, peers, nsd, cluster, otlp);
        List<Setup> main = List.copyOf(setups);
        List<Setup> variants = new ArrayList<>();
        for (Map.Entry<String, String> v : o.jvmVariants.entrySet()) {
            variants.add(peers.startDnsflow(List.of(launcher.toString()), Setup.FLOW_ON + "[" + v.getKey() + "]", nsd.address(),
                    Setup.Recording.RING, v.getValue()));
        }
        for (Map.Entry<String, Path> v : o.jarVariants.entrySet()) {
            // beside recording on, and beside recording on + log when that is measured too
            for (String like : o.setups.contains(Setup.FLOW_LOG) ? List.of(Setup.FLOW_ON, Setup.FLOW_LOG) : List.of(Setup.FLOW_ON)) {
                variants.add(peers.startDnsflowJar(List.of(launcher.toString()), like + "[" + v.getKey() + "]", nsd.address(),
                        like.equals(Setup.FLOW_LOG) ? Setup.Recording.RING_AND_LOG : Setup.Recording.RING, v.getValue()));
            }
        }
        setups.addAll(variants);
        for (Setup s : setups) {
            OUT.printf("started %-24s pid %-7d on %s%n", s.name(), s.process().pid(), s.address());
        }

        Dnsperf dnsperf = new Dnsperf(tools.get("dnsperf"), queryFile, logs, o.clients, o.outstanding, o.dnsperfThreads);
        String dnsperfCommand = String.join(" ", dnsperf.command(nsd.address(), o.seconds))
                .replace(tools.get("dnsperf").toString(), "dnsperf").replace(queryFile.toString(), "queries.txt")
                .replaceAll("-p \\d+", "-p PORT");
        Map<String, List<ThroughputRounds.Measurement>> throughput =
                new ThroughputRounds(dnsperf, nsd, OUT).run(setups, o.rounds, o.seconds, o.warmupSeconds);

        Map<String, List<LatencyGenerator.Result>> latency = new LinkedHashMap<>();
        int rate = 0;
        String rateBasis = rateBasis(main);
        if (o.latencyRounds > 0) {
            double basisMax = Stats.median(throughput.get(rateBasis).stream().map(ThroughputRounds.Measurement::qps).toList());
            rate = (int) Math.round(basisMax * o.latencyFraction);
            OUT.printf("latency runs at %,d qps (%.0f %% of %s's %,.0f qps)%n", rate,
                    100 * o.latencyFraction, rateBasis, basisMax);
            try (LatencyGenerator generator = new LatencyGenerator(mix)) {
                generator.run(nsd.address(), rate, 0, 2); // unrecorded: lets the JIT compile the generator
                latency = new LatencyRounds(generator, OUT).run(main, rate, o.latencyRounds, o.latencyWarmupSeconds,
                        o.latencySeconds);
            }
        }
        Map<String, Long> peakRss = new LinkedHashMap<>();
        for (Setup s : setups) {
            peakRss.put(s.name(), ProcStats.hwmKib(s.process().pid()));
        }
        ChildProcess.stopAll();
        otlp.forEach((name, r) -> OUT.printf("%s exported %,d OTLP requests, %,.1f MiB, to the discarding receiver%n",
                name, r.requests(), r.bytes() / 1048576.0));

        RunData data = new RunData(o, date, (System.nanoTime() - t0) / 60e9, machine, Machine.loadAverage(), versions,
                setups, dnsperfCommand, throughput, peakRss, rate, rateBasis, latency, variants);
        List<Goals.Goal> goals = Goals.evaluate(data);
        Path out = o.out.toAbsolutePath();
        Files.createDirectories(out);
        String plot = "latency.png";
        if (data.hasLatency()) {
            Map<String, double[]> micros = new LinkedHashMap<>();
            latency.forEach((name, rs) -> micros.put(name, Arrays.stream(LatencyRounds.PERCENTILES)
                    .map(p -> LatencyRounds.medianPercentile(rs, p)).toArray()));
            LatencyPlot.write(micros, String.format("Latency at %,d qps, open loop (median of %d rounds)", rate,
                    o.latencyRounds), out.resolve(plot));
        }
        ReportWriter.write(data, goals, out.resolve("RESULTS.md"), plot);
        OUT.println();
        OUT.print(ReportWriter.goalsTable(goals));
        OUT.println();
        OUT.print(ReportWriter.throughputTable(data));
        if (data.hasLatency()) {
            OUT.println();
            OUT.print(ReportWriter.latencyTable(data));
        }
        OUT.println("\nwrote " + out.resolve("RESULTS.md") + (data.hasLatency() ? " and " + out.resolve(plot) : ""));
    }

    /** Starts the chosen setups (NSD is up already), in {@link Setup#KNOWN}'s order. */
    /** {@code java FLAGS -jar sidecar/target/dnsflow.jar}: dnsflow with only these JVM flags (--dnsflow-jvm). */
    static List<String> jvmCommand(String flags) {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(Arrays.stream(flags.split("\\s+")).filter(f -> !f.isEmpty()).toList());
        cmd.addAll(List.of("-jar", Path.of("sidecar", "target", "dnsflow.jar").toAbsolutePath().toString()));
        return cmd;
    }

    private static List<Setup> start(Options o, Map<String, Path> tools, List<String> launcher, Peers peers, Setup nsd,
                                     MockCluster cluster, Map<String, OtlpReceiver> otlp) throws InterruptedException {
        List<Setup> setups = new ArrayList<>();
        for (String name : o.setups) {
            setups.add(switch (name) {
                case Setup.DIRECT -> nsd;
                case Setup.FLOW_ON -> peers.startDnsflow(launcher, name, nsd.address(), Setup.Recording.RING, o.dnsflowJavaOpts);
                case Setup.NAMES_ON -> peers.startDnsflowWithNames(launcher, nsd.address(), o.dnsflowJavaOpts, cluster);
                case Setup.FLOW_LOG -> peers.startDnsflow(launcher, name, nsd.address(), Setup.Recording.RING_AND_LOG,
                        o.dnsflowJavaOpts);
                case Setup.OTLP_ALL -> peers.startDnsflowWithOtlp(launcher, name, nsd.address(), o.dnsflowJavaOpts,
                        otlp.get(name), "1.0");
                case Setup.OTLP_SAMPLED -> peers.startDnsflowWithOtlp(launcher, name, nsd.address(), o.dnsflowJavaOpts,
                        otlp.get(name), "0.01");
                case Setup.FLOW_OFF -> peers.startDnsflow(launcher, name, nsd.address(), Setup.Recording.OFF, o.dnsflowJavaOpts);
                case Setup.DNSDIST -> peers.startDnsdist(tools.get("dnsdist"), name, nsd.address(), false);
                case Setup.DNSDIST_TUNED -> peers.startDnsdist(tools.get("dnsdist"), name, nsd.address(), true);
                case Setup.NODELOCAL_CACHE -> peers.startNodelocal(launcher, nsd.address(), o.dnsflowJavaOpts);
                case Setup.DNSDIST_CACHE -> peers.startDnsdistPacketCache(tools.get("dnsdist"), nsd.address());
                case Setup.UNBOUND_CACHE -> peers.startUnbound(tools.get("unbound"), tools.get("unbound-control"), nsd.address());
                default -> throw new IllegalArgumentException("no setup " + name);
            });
        }
        return setups;
    }

    /**
     * The setup whose throughput sets the latency rate: dnsdist default when measured, else dnsdist with its packet
     * cache, else the first proxy.
     */
    static String rateBasis(List<Setup> setups) {
        List<String> names = setups.stream().map(Setup::name).toList();
        return names.contains(Setup.DNSDIST) ? Setup.DNSDIST
                : names.contains(Setup.DNSDIST_CACHE) ? Setup.DNSDIST_CACHE
                : names.stream().filter(n -> !n.equals(Setup.DIRECT)).findFirst().orElse(Setup.DIRECT);
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
