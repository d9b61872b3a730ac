package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Linux {@code /proc} readings for a process and its descendants: CPU time (utime + stime of all
 * threads, from {@code /proc/PID/stat}) and memory ({@code VmRSS}, {@code VmHWM} from
 * {@code /proc/PID/status}). Values of a process tree are summed (NSD forks a server child).
 */
final class ProcStats {
    /** Clock ticks per second of {@code /proc/PID/stat} times; 100 on every Linux we run on. */
    static final long CLK_TCK = clockTicks();

    private ProcStats() {
    }

    /** The pid and its live descendants. */
    static List<Long> tree(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> pids.addAll(
                h.descendants().map(ProcessHandle::pid).collect(Collectors.toList())));
        return pids;
    }

    /** CPU seconds (user + system) used so far by the process tree rooted at {@code pid}. */
    static double cpuSeconds(long pid) {
        long ticks = 0;
        for (long p : tree(pid)) {
            ticks += cpuTicks(p);
        }
        return ticks / (double) CLK_TCK;
    }

    /** System (kernel) CPU seconds used so far by the process tree rooted at {@code pid}. */
    static double systemCpuSeconds(long pid) {
        long ticks = 0;
        for (long p : tree(pid)) {
            String stat = read(Path.of("/proc", Long.toString(p), "stat"));
            ticks += stat == null ? 0 : parseSystemTicks(stat);
        }
        return ticks / (double) CLK_TCK;
    }

    /** Field 15 (stime) of a {@code /proc/PID/stat} line. */
    static long parseSystemTicks(String stat) {
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ")[12]);
    }

    /** utime + stime of one process (all its threads), 0 if it is gone. */
    static long cpuTicks(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return 0;
        }
        return parseCpuTicks(stat);
    }

    /**
     * CPU ticks per thread group of one process: threads are read from {@code /proc/PID/task} and
     * grouped by their name (the kernel keeps 15 characters) without trailing numbers, so
     * "GC Thread#0" and "GC Thread#1" count together.
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat = read(task.resolve("stat"));
                if (stat != null) {
                    byName.merge(threadGroup(stat), parseCpuTicks(stat), Long::sum);
                }
            }
        } catch (IOException | UncheckedIOException gone) {
            // the process ended
        }
        return byName;
    }

    /** The thread name of a stat line, without a trailing number or "#N". */
    static String threadGroup(String stat) {
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        return comm.replaceAll("[#\\-]?\\d+$", "").strip();
    }

    /** Fields 14 and 15 of a {@code /proc/PID/stat} line; the command name may contain spaces. */
    static long parseCpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state), so utime (field 14) is f[11] and stime (field 15) is f[12]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Current resident set of the tree, KiB. */
    static long rssKib(long pid) {
        return sumStatus(pid, "VmRSS:");
    }

    /** Peak resident set (high-water mark) of the tree, KiB; summed over processes. */
    static long hwmKib(long pid) {
        return sumStatus(pid, "VmHWM:");
    }

    private static long sumStatus(long pid, String key) {
        long total = 0;
        for (long p : tree(pid)) {
            String status = read(Path.of("/proc", Long.toString(p), "status"));
            if (status != null) {
                total += parseStatusKib(status, key);
            }
        }
        return total;
    }

    /** The KiB value of a {@code Key:   1234 kB} line, 0 if absent. */
    static long parseStatusKib(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
