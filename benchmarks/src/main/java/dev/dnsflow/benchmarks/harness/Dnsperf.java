package dev.dnsflow.benchmarks.harness;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs dnsperf against one setup and parses its statistics. */
final class Dnsperf {
    /** What one dnsperf run reports. */
    record Result(long sent, long completed, long lost, Map<String, Long> rcodes, double runSeconds, double qps,
                  double avgLatencySeconds) {
        double lossRatio() {
            return sent == 0 ? 0 : lost / (double) sent;
        }
    }

    private static final Pattern SENT = Pattern.compile("Queries sent:\\s+(\\d+)");
    private static final Pattern COMPLETED = Pattern.compile("Queries completed:\\s+(\\d+)");
    private static final Pattern LOST = Pattern.compile("Queries lost:\\s+(\\d+)");
    private static final Pattern RCODES = Pattern.compile("Response codes:\\s+(.*)");
    private static final Pattern RCODE = Pattern.compile("([A-Z]+) (\\d+) \\(");
    private static final Pattern RUN_TIME = Pattern.compile("Run time \\(s\\):\\s+([0-9.]+)");
    private static final Pattern QPS = Pattern.compile("Queries per second:\\s+([0-9.]+)");
    private static final Pattern LATENCY = Pattern.compile("Average Latency \\(s\\):\\s+([0-9.]+)");

    private final Path dnsperf;
    private final Path queryFile;
    private final Path logDir;
    private final int clients;
    private final int outstanding;
    private final int threads;

    Dnsperf(Path dnsperf, Path queryFile, Path logDir, int clients, int outstanding, int threads) {
        this.dnsperf = dnsperf;
        this.queryFile = queryFile;
        this.logDir = logDir;
        this.clients = clients;
        this.outstanding = outstanding;
        this.threads = threads;
    }

    /** The command line for {@code target} and {@code seconds} (for the report, with the file name shortened). */
    List<String> command(InetSocketAddress target, int seconds) {
        return List.of(dnsperf.toString(), "-s", target.getHostString(), "-p", Integer.toString(target.getPort()),
                "-d", queryFile.toString(), "-l", Integer.toString(seconds), "-c", Integer.toString(clients),
                "-q", Integer.toString(outstanding), "-T", Integer.toString(threads), "-t", "2");
    }

    /** Runs dnsperf for {@code seconds} against {@code target}; {@code tag} names its log file. */
    Result run(InetSocketAddress target, int seconds, String tag) throws InterruptedException {
        ChildProcess p = ChildProcess.start("dnsperf", command(target, seconds), Map.of(), logDir,
                logDir.resolve("dnsperf-" + tag + ".log"));
        int code = p.waitFor((seconds + 30) * 1000L);
        String out = p.output();
        if (code != 0) {
            throw new IllegalStateException("dnsperf exited with " + code + ":\n" + p.tail(20));
        }
        return parse(out);
    }

    /** Parses the "Statistics:" block of dnsperf's output. */
    static Result parse(String output) {
        Map<String, Long> rcodes = new LinkedHashMap<>();
        Matcher rc = RCODES.matcher(output);
        if (rc.find()) {
            Matcher each = RCODE.matcher(rc.group(1));
            while (each.find()) {
                rcodes.put(each.group(1), Long.parseLong(each.group(2)));
            }
        }
        return new Result(longOf(SENT, output), longOf(COMPLETED, output), longOf(LOST, output), rcodes,
                doubleOf(RUN_TIME, output), doubleOf(QPS, output), doubleOf(LATENCY, output));
    }

    /** "NOERROR 80.0 %, NXDOMAIN 20.0 %" for the report. */
    static String rcodeShares(Map<String, Long> rcodes) {
        long total = rcodes.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder sb = new StringBuilder();
        for (Entry<String, Long> e : rcodes.entrySet()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey())
                    .append(String.format(" %.1f %%", 100.0 * e.getValue() / Math.max(1, total)));
        }
        return sb.toString();
    }

    private static long longOf(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("dnsperf output lacks '" + pattern.pattern() + "':\n" + text);
        }
        return Long.parseLong(m.group(1));
    }

    private static double doubleOf(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("dnsperf output lacks '" + pattern.pattern() + "':\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }
}
