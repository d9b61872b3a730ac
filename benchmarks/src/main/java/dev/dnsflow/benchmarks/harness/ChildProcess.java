package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A process the harness started (NSD, dnsdist, dnsflow, dnsperf), with its output in a log file.
 * Every live one is registered; a JVM shutdown hook (also run on Ctrl-C) stops them all, each by
 * its own pid and its descendants, SIGTERM first and SIGKILL after a grace period.
 */
final class ChildProcess implements AutoCloseable {
    private static final List<ChildProcess> LIVE = new CopyOnWriteArrayList<>();
    private static final long GRACE_MS = 3000;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::stopAll, "harness-stop-children"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code dir}, stdout and stderr to {@code log}, with extra environment. */
    static ChildProcess start(String name, List<String> command, Map<String, String> env, Path dir, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            ChildProcess child = new ChildProcess(name, pb.start(), log);
            LIVE.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit; returns its exit code, or -1 after the timeout (then it is stopped). */
    int waitFor(long timeoutMs) throws InterruptedException {
        if (process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            LIVE.remove(this);
            return process.exitValue();
        }
        close();
        return -1;
    }

    /** Its output so far. */
    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last lines of its output, for error messages. */
    String tail(int lines) {
        List<String> all = output().lines().collect(Collectors.toList());
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    @Override
    public void close() {
        LIVE.remove(this);
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        process.destroy();
        try {
            if (!process.waitFor(GRACE_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(GRACE_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /** Stops every child still running (newest first). */
    static void stopAll() {
        List<ChildProcess> snapshot = List.copyOf(LIVE);
        for (int i = snapshot.size() - 1; i >= 0; i--) {
            snapshot.get(i).close();
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + pid() + "]";
    }
}
