package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine and the software versions, for the report. */
record Machine(int nproc, String cpuModel, String memory, String kernel, String loadAtStart) {
    static Machine describe() {
        String cpuinfo = read("/proc/cpuinfo");
        String model = cpuinfo.lines().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        long memKib = ProcStats.parseStatusKib(read("/proc/meminfo"), "MemTotal:");
        String nproc = Tools.versionLine("", "nproc");
        int cores = nproc.matches("\\d+") ? Integer.parseInt(nproc) : Runtime.getRuntime().availableProcessors();
        return new Machine(cores, model, String.format("%.1f GiB", memKib / 1048576.0),
                Tools.versionLine("", "uname", "-sr"), loadAverage());
    }

    /** The 1-, 5- and 15-minute load averages now. */
    static String loadAverage() {
        String[] f = read("/proc/loadavg").trim().split("\\s+");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "?";
    }

    /** Versions of java, nsd, dnsdist, dnsperf and dnsflow, as each reports it. */
    static Map<String, String> versions(Path nsd, Path dnsdist, Path dnsperf, Path dnsflowLauncher) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", Tools.versionLine("Runtime", "java", "-version"));
        v.put("nsd", Tools.versionLine("NSD version", nsd.toString(), "-v"));
        v.put("dnsdist", Tools.versionLine("dnsdist", dnsdist.toString(), "--version"));
        v.put("dnsperf", Tools.versionLine("Version", dnsperf.toString(), "-h"));
        Path repo = dnsflowLauncher.toAbsolutePath().getParent();
        String commit = Tools.versionLine("", "git", "-C", repo.toString(), "rev-parse", "--short", "HEAD");
        boolean dirty = !Tools.versionLine("", "git", "-C", repo.toString(), "status", "--porcelain", "--untracked-files=no")
                .equals("?");
        v.put("dnsflow", Tools.versionLine("dnsflow", dnsflowLauncher.toString(), "--version") + " (git " + commit
                + (dirty ? ", with uncommitted changes" : "") + ")");
        return v;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }
}
