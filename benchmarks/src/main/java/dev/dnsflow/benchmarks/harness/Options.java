package dev.dnsflow.benchmarks.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line flags of {@code benchmarks/run}. */
final class Options {
    /** None: dnsflow runs with the launcher's own defaults, as users get it. */
    static final String DEFAULT_JAVA_OPTS = "";

    static final String USAGE = String.join("\n",
            "Usage: benchmarks/run [flags]",
            "Measures NSD direct, dnsflow (recording on/off, names on) and dnsdist (default/tuned) with dnsperf, interleaved",
            "round by round, then latency with an open-loop generator; writes benchmarks/results/RESULTS.md.",
            "  --rounds N              throughput rounds (default 5)",
            "  --seconds S             dnsperf seconds per setup and round (default 10)",
            "  --warmup S              unrecorded dnsperf seconds per setup before round 1 (default 8)",
            "  --clients C             dnsperf -c (default 8)",
            "  --outstanding Q         dnsperf -q (default 200)",
            "  --dnsperf-threads T     dnsperf -T (default 2)",
            "  --latency-rounds N      open-loop latency rounds, 0 = none (default 3)",
            "  --latency-seconds S     recorded seconds per setup and latency round (default 5)",
            "  --latency-fraction F    latency rate as a fraction of dnsdist-default's median qps (default 0.5;",
            "                          without dnsdist-default in --setups, of dnsdist-packetcache's, else of the first",
            "                          proxy setup's)",
            "  --mix default|cache-hit the query mix (default: default, a quarter random names); cache-hit repeats 1 000",
            "                          distinct names, so a cache answers nearly all after the warmup. The caches",
            "                          (" + String.join(", ", Setup.CACHES) + ")",
            "                          run only with it; with it and no --setups, they are what is measured",
            "  --dnsflow-java-opts S   DNSFLOW_JAVA_OPTS for the main dnsflow setups (not the --jvm-variant ones)",
            "                          (default: none, i.e. the ./dnsflow launcher's own heap and GC flags)",
            "  --dnsflow-jvm FLAGS     run the main dnsflow setups as `java FLAGS -jar sidecar/target/dnsflow.jar`, without",
            "                          the launcher and its flags, e.g. the image's entrypoint in a 256Mi container:",
            "                          '-XX:MaxRAM=256m -XX:MaxRAMPercentage=60 -Xmn48m -XX:+UseSerialGC'",
            "  --setups A,B            measure only these (NSD direct always: it is the upstream and the latency",
            "                          reference), e.g. dnsflow-rec-on,dnsflow-names-on; default: all of",
            "                          " + String.join(", ", Setup.ALL) + ";",
            "                          with --mix cache-hit also " + String.join(", ", Setup.CACHES),
            "  --jvm-variant L=OPTS    also measure dnsflow recording on with these JVM flags, as dnsflow-rec-on[L]",
            "                          (repeatable; throughput rounds only; e.g. g1=-XX:+UseG1GC)",
            "  --jar-variant L=PATH    also measure dnsflow recording on (and rec-on+log when measured) running another",
            "                          build's dnsflow.jar, as dnsflow-rec-on[L], with the launcher's flags: A/B of two",
            "                          builds in one run",
            "                          (repeatable; throughput rounds only; e.g. before=/tmp/before/dnsflow.jar)",
            "  --out DIR               where RESULTS.md and latency.png go (default benchmarks/results)",
            "  --quick                 2 rounds x 3 s, 1 s warmup, 1 latency round x 2 s (for development)",
            "  --keep-temp             keep the temp dir (configs, logs, flow log) for inspection",
            "  -h, --help              this text");

    int rounds = 5;
    int seconds = 10;
    int warmupSeconds = 8;
    int clients = 8;
    int outstanding = 200;
    int dnsperfThreads = 2;
    int latencyRounds = 3;
    double latencySeconds = 5;
    double latencyWarmupSeconds = 1;
    double latencyFraction = 0.5;
    String dnsflowJavaOpts = DEFAULT_JAVA_OPTS;
    /** Set: the main dnsflow setups run as {@code java FLAGS -jar dnsflow.jar}, not through the launcher. */
    String dnsflowJvm;
    Map<String, String> jvmVariants = new LinkedHashMap<>();
    /** Label → another build's dnsflow.jar, run as recording on (A/B of two builds). */
    Map<String, Path> jarVariants = new LinkedHashMap<>();
    /** The setups to measure, in {@link Setup#ALL}'s order; NSD direct always among them. */
    List<String> setups = Setup.ALL;
    QueryMix.Mix mix = QueryMix.Mix.DEFAULT;
    Path out = Path.of("benchmarks", "results");
    boolean keepTemp;
    boolean help;
    List<String> raw = new ArrayList<>();

    static Options parse(String[] args) {
        Options o = new Options();
        o.raw = List.of(args);
        boolean setupsGiven = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--rounds" -> o.rounds = Integer.parseInt(value(args, ++i, a));
                case "--seconds" -> o.seconds = Integer.parseInt(value(args, ++i, a));
                case "--warmup" -> o.warmupSeconds = Integer.parseInt(value(args, ++i, a));
                case "--clients" -> o.clients = Integer.parseInt(value(args, ++i, a));
                case "--outstanding" -> o.outstanding = Integer.parseInt(value(args, ++i, a));
                case "--dnsperf-threads" -> o.dnsperfThreads = Integer.parseInt(value(args, ++i, a));
                case "--latency-rounds" -> o.latencyRounds = Integer.parseInt(value(args, ++i, a));
                case "--latency-seconds" -> o.latencySeconds = Double.parseDouble(value(args, ++i, a));
                case "--latency-fraction" -> o.latencyFraction = Double.parseDouble(value(args, ++i, a));
                case "--dnsflow-java-opts" -> o.dnsflowJavaOpts = value(args, ++i, a);
                case "--dnsflow-jvm" -> o.dnsflowJvm = value(args, ++i, a).strip();
                case "--jvm-variant" -> {
                    String v = value(args, ++i, a);
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--jvm-variant wants LABEL=OPTS, got " + v);
                    }
                    o.jvmVariants.put(v.substring(0, eq), v.substring(eq + 1));
                }
                case "--jar-variant" -> {
                    String v = value(args, ++i, a);
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--jar-variant wants LABEL=PATH, got " + v);
                    }
                    o.jarVariants.put(v.substring(0, eq), Path.of(v.substring(eq + 1)));
                }
                case "--setups" -> {
                    o.setups = setups(value(args, ++i, a));
                    setupsGiven = true;
                }
                case "--mix" -> o.mix = QueryMix.Mix.of(value(args, ++i, a));
                case "--out" -> o.out = Path.of(value(args, ++i, a));
                case "--quick" -> {
                    o.rounds = 2;
                    o.seconds = 3;
                    o.warmupSeconds = 1;
                    o.latencyRounds = 1;
                    o.latencySeconds = 2;
                    o.latencyWarmupSeconds = 0.5;
                }
                case "--keep-temp" -> o.keepTemp = true;
                case "-h", "--help" -> o.help = true;
                default -> throw new IllegalArgumentException("unknown flag " + a + "\n" + USAGE);
            }
        }
        if (o.rounds < 1 || o.seconds < 1 || o.clients < 1 || o.outstanding < 1 || o.dnsperfThreads < 1) {
            throw new IllegalArgumentException("--rounds, --seconds, --clients, --outstanding and --dnsperf-threads must be >= 1");
        }
        if (o.mix == QueryMix.Mix.CACHE_HIT && !setupsGiven) {
            o.setups = setups(String.join(",", Setup.CACHES));
        }
        List<String> caches = o.setups.stream().filter(Setup.CACHES::contains).toList();
        if (o.mix != QueryMix.Mix.CACHE_HIT && !caches.isEmpty()) {
            throw new IllegalArgumentException("--setups " + String.join(",", caches) + ": the caches are measured with "
                    + "--mix cache-hit (with the default mix a quarter of the names are random and would all miss)");
        }
        return o;
    }

    /** {@code a,b} → those setups in the rounds' order ({@link Setup#KNOWN}), NSD direct first; an unknown name is refused. */
    static List<String> setups(String list) {
        List<String> given = new ArrayList<>();
        for (String name : list.split(",")) {
            String n = name.strip();
            if (n.isEmpty()) {
                continue;
            }
            if (!Setup.KNOWN.contains(n)) {
                throw new IllegalArgumentException("--setups: no setup " + n + "; there are " + String.join(", ", Setup.KNOWN));
            }
            given.add(n);
        }
        if (given.isEmpty()) {
            throw new IllegalArgumentException("--setups wants at least one of " + String.join(", ", Setup.KNOWN));
        }
        return Setup.KNOWN.stream().filter(n -> n.equals(Setup.DIRECT) || given.contains(n)).toList();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** The main dnsflow setups' JVM flags, for the report. */
    String dnsflowFlags() {
        if (dnsflowJvm != null) {
            return "`java " + dnsflowJvm + " -jar dnsflow.jar` (no launcher)";
        }
        return dnsflowJavaOpts.isBlank() ? "the launcher's JVM flags" : "`DNSFLOW_JAVA_OPTS=\"" + dnsflowJavaOpts + "\"`";
    }

    /** How the harness was invoked, for the report. */
    String commandLine() {
        StringBuilder sb = new StringBuilder("benchmarks/run");
        for (String a : raw) {
            sb.append(' ').append(a.matches("[A-Za-z0-9_./:=+-]+") ? a : "'" + a + "'");
        }
        return sb.toString();
    }
}
