package dev.dnsflow.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A peer program (NSD, dnsdist, a dnstap reader, ...) that a test runs as a child process, with its
 * output in files rather than pipes: the output is read while the program runs and after it is
 * stopped, and a pipe nobody drains could block it. Its standard input is closed.
 *
 * <p>Stopped by {@link #close()}, by its own pid (SIGTERM, SIGKILL after a grace period, then any
 * descendants it left), and, as a safety net, the same way by a JVM shutdown hook, so it never
 * outlives the test run.
 */
public final class ChildProcess implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;
    private final Thread shutdownHook;

    private ChildProcess(String name, Process process, Path out, Path err) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
        this.shutdownHook = new Thread(this::stop, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code command} in {@code dir} (null: this JVM's working directory) with its standard
     * output and standard error together in {@code out}.
     */
    public static ChildProcess start(String name, List<String> command, Path dir, Path out) throws IOException {
        return start(name, command, dir, out, null);
    }

    /**
     * Starts {@code command} in {@code dir} (null: this JVM's working directory), standard output to
     * {@code out} and standard error to {@code err} (null: to {@code out} as well).
     */
    public static ChildProcess start(String name, List<String> command, Path dir, Path out, Path err) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile());
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        if (err == null) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(err.toFile());
        }
        ChildProcess child = new ChildProcess(name, builder.start(), out, err);
        try {
            child.process.getOutputStream().close();
        } catch (IOException e) {
            child.close();
            throw e;
        }
        return child;
    }

    /** The running process, e.g. for {@link Peers#waitForDns} to notice an early exit. */
    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What it printed so far (with standard error, unless that has a file of its own). */
    public String output() {
        return read(out);
    }

    /** What it printed to standard error so far, when that has a file of its own (else empty). */
    public String errors() {
        return err == null ? "" : read(err);
    }

    /** Stops the process and its descendants (SIGTERM, then SIGKILL after a grace period). */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to; nothing to remove
        }
    }

    private void stop() {
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // a well-behaved parent (NSD's main process) stops its children itself; SIGKILL any that are left
        // (a child already dead but not yet reaped by init counts as alive here, and killing it is harmless)
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /** A file's text, empty if it does not exist (yet), for logs in assertion messages. */
    public static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")\n";
        }
    }

    /** Deletes a child's temp dir, best effort: a leftover temp dir is harmless. */
    public static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }
}
