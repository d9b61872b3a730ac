package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.fail;

import dev.dnsflow.peers.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real dnstap reader ({@code dnstap -u}, {@code fstrm_capture}, ...) run as a child process
 * whose standard output goes to a file, so that tests can read what it printed so far.
 *
 * <p>Why files rather than pipes: the reader's output is read while it runs and after it is
 * killed, and a pipe nobody drains could block it. Stopped by {@link #close()} (SIGTERM, then
 * SIGKILL) and by a shutdown hook, so it never outlives the test run: see {@link ChildProcess}.
 */
final class ReaderProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final ChildProcess process;
    private final Path stdout;

    private ReaderProcess(ChildProcess process, Path stdout) {
        this.process = process;
        this.stdout = stdout;
    }

    /**
     * Starts {@code command} and waits until it has created {@code socket} (deleted first, so a
     * stale file from an earlier reader does not count). Output goes to {@code name}.out/.err
     * in {@code dir}.
     */
    static ReaderProcess start(Path dir, String name, Path socket, String... command) throws IOException {
        Files.deleteIfExists(socket);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ChildProcess process = ChildProcess.start("dnstap-reader-" + name, List.of(command), null, out, err);
        ReaderProcess reader = new ReaderProcess(process, out);
        reader.await(() -> Files.exists(socket) || !process.isAlive(), START_TIMEOUT, "the socket " + socket);
        if (!process.isAlive()) {
            fail(String.join(" ", command) + " exited with " + process.process().exitValue() + ": " + reader.stderr());
        }
        return reader;
    }

    /** The non-empty lines printed so far. */
    List<String> lines() {
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the reader printed at least {@code count} lines. */
    List<String> awaitLines(int count, Duration timeout) {
        await(() -> lines().size() >= count, timeout, count + " lines of output");
        return lines();
    }

    String stderr() {
        return process.errors();
    }

    /** Stops the reader the way an operator or a crash would: SIGTERM, SIGKILL after 5 s. */
    @Override
    public void close() {
        process.close();
    }

    /** Polls {@code condition} every 20 ms; fails with the reader's stderr on timeout. */
    void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what + "; reader stderr:\n" + stderr()
                        + "\nstdout:\n" + String.join("\n", lines()));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
    }

    /** Runs a short-lived command (e.g. {@code dnstap -r FILE -j}) and returns its stdout lines. */
    static List<String> run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "run", ".out");
        Path err = Files.createTempFile(dir, "run", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 30 s");
        }
        if (process.exitValue() != 0) {
            fail(String.join(" ", command) + " exited with " + process.exitValue() + ": " + Files.readString(err));
        }
        return Files.readAllLines(out).stream().filter(line -> !line.isBlank()).toList();
    }
}
