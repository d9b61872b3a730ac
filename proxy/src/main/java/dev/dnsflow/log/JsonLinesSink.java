package dev.dnsflow.log;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowSink;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * {@code --flow-log PATH|-}: one JSON object per line, for jq. A file is rotated by size
 * ({@code PATH} → {@code PATH.1} → … → {@code PATH.N}, oldest deleted); stdout is never rotated.
 * Buffered (64 KB), and flushed whenever no flow is waiting for it. Runs on a thread of its own (see
 * {@link FlowSink}): a disk that stops answering costs only this sink its flows.
 *
 * <p>A failing write (disk full, a closed pipe) never stops the recorder and never logs per flow. The
 * flows it loses are handed to the {@code lost} counter it was given ({@code dnsflow_flows_dropped_total{sink="log"}}):
 * those accepted since the last successful flush when a flush fails (a partly written tail is cut off
 * the file, so no half line is left), and those that arrive while writes are failing. Writing is
 * retried every second, so the log recovers by itself; what was lost and why is logged at most once
 * every 10 seconds.
 */
public final class JsonLinesSink implements FlowSink {
    private static final Logger LOG = Logger.getLogger(JsonLinesSink.class.getName());
    private static final byte NEWLINE = '\n';
    private static final int FLUSH_BYTES = 1 << 16;
    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long WARN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Path path;
    private final long maxBytes;
    private final int keep;
    private final LongSupplier nanos;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(FLUSH_BYTES + 4096);
    private final JsonGenerator json;
    /** Where the buffer goes; null while writes are failing (until the next retry). */
    private OutputStream out;
    /** Bytes in the file as of the last successful flush (for rotation, and to cut off a partial write). */
    private long written;
    /** Flows in the buffer: lost if the flush fails. */
    private long pending;
    private long retryAt;
    private boolean failing;
    private final LongConsumer lost;
    private final Warnings warnings = new Warnings();

    private JsonLinesSink(Path path, OutputStream out, long maxBytes, int keep, LongSupplier nanos, LongConsumer lost)
            throws IOException {
        this.path = path;
        this.out = out;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.nanos = nanos;
        this.lost = lost;
        this.written = path == null ? 0 : Files.size(path);
        this.json = FlowJson.FACTORY.createGenerator(buffer);
        json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        json.configure(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM, false);
        json.setRootValueSeparator(null); // lines must start with '{', not with Jackson's default space
    }

    /** @param lost told how many flows were lost, each time some are */
    public static JsonLinesSink stdout(LongConsumer lost) {
        try {
            // the file descriptor rather than System.out, which swallows write errors: lost flows must be counted
            return new JsonLinesSink(null, new FileOutputStream(FileDescriptor.out), Long.MAX_VALUE, 0, System::nanoTime,
                    lost);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param lost told how many flows were lost, each time some are
     * @throws UncheckedIOException naming the path when it cannot be opened
     */
    public static JsonLinesSink file(Path path, long maxBytes, int keep, LongConsumer lost) {
        return file(path, maxBytes, keep, System::nanoTime, lost);
    }

    static JsonLinesSink file(Path path, long maxBytes, int keep, LongSupplier nanos, LongConsumer lost) {
        if (keep < 1 || maxBytes < 1) {
            // the flags' ranges keep these out; a rotation without a copy to move to would lose the flows it moves
            throw new IllegalArgumentException("--flow-log-keep must be at least 1 and --flow-log-max-size positive");
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new JsonLinesSink(path, append(path), maxBytes, keep, nanos, lost);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write flow log " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void accept(Flow flow) {
        if (out == null && !reopen()) {
            lose(1);
            return;
        }
        try {
            FlowJson.write(flow, json);
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into a byte array: cannot happen
        }
        buffer.write(NEWLINE);
        pending++;
        if (path != null && written + buffer.size() >= maxBytes) {
            rotate();
        } else if (buffer.size() >= FLUSH_BYTES) {
            flush();
        }
    }

    @Override
    public void idle() {
        flush();
        warnings.report(false);
    }

    @Override
    public void close() {
        flush();
        warnings.report(true);
        closeQuietly();
    }

    /** Writes the buffer; on failure its flows are counted lost and writing pauses until the next retry. */
    private boolean flush() {
        if (out == null || buffer.size() == 0) {
            return out != null;
        }
        try {
            buffer.writeTo(out);
            out.flush();
        } catch (IOException e) {
            fail(e);
            return false;
        }
        written += buffer.size();
        buffer.reset();
        pending = 0;
        if (failing) {
            failing = false;
            warnings.recovered();
        }
        return true;
    }

    private void fail(IOException e) {
        buffer.reset();
        long lost = pending;
        pending = 0;
        closeQuietly();
        out = null;
        failing = true;
        retryAt = nanos.getAsLong() + RETRY_NANOS;
        warnings.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        lose(lost);
    }

    private void lose(long flows) {
        lost.accept(flows);
        warnings.lost(flows);
    }

    /** After a failure, once a second: cuts a partial write off the file and opens it again. */
    private boolean reopen() {
        if (nanos.getAsLong() - retryAt < 0) {
            return false;
        }
        if (path == null) {
            out = new FileOutputStream(FileDescriptor.out);
            return true;
        }
        try {
            if (Files.isRegularFile(path)) {
                try (FileChannel file = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    if (file.size() > written) {
                        file.truncate(written); // the tail of the failed flush: flows already counted lost
                    }
                }
            }
            out = append(path);
            written = Files.size(path);
            return true;
        } catch (IOException e) {
            fail(e);
            return false;
        }
    }

    private void rotate() {
        if (!flush()) {
            return;
        }
        closeQuietly();
        out = null;
        try {
            for (int i = keep; i >= 1; i--) {
                Path from = i == 1 ? path : sibling(i - 1);
                if (Files.exists(from)) {
                    if (i == keep) {
                        Files.deleteIfExists(sibling(i));
                    }
                    Files.move(from, sibling(i), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            out = append(path);
            written = Files.size(path);
        } catch (IOException e) {
            fail(e); // nothing buffered is lost; the next retry appends to whatever PATH is now
        }
    }

    private Path sibling(int generation) {
        return path.resolveSibling(path.getFileName() + "." + generation);
    }

    private void closeQuietly() {
        if (out == null || path == null) {
            return; // stdout stays open
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // already failing, or closing anyway
        }
    }

    private static OutputStream append(Path path) throws IOException {
        return Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** At most one line per {@link #WARN_NANOS}: how many flows were lost since the last line, and why. */
    private final class Warnings {
        private long lostSinceLine;
        private String why;
        private boolean news;
        private boolean backAgain;
        private long lastLine;
        private boolean anyLine;

        void failed(String reason) {
            why = reason;
            news = true;
            backAgain = false;
        }

        void lost(long flows) {
            if (flows > 0) {
                lostSinceLine += flows;
                news = true;
                report(false);
            }
        }

        void recovered() {
            backAgain = true;
            news = true;
        }

        void report(boolean now) {
            long t = nanos.getAsLong();
            if (!news || !now && anyLine && t - lastLine < WARN_NANOS) {
                return;
            }
            String where = "flow log " + (path == null ? "stdout" : path.toString());
            LOG.warning(where + ": " + lostSinceLine + " flow" + (lostSinceLine == 1 ? "" : "s") + " lost "
                    + (anyLine ? "since the last warning" : "so far") + " (" + why + "), counted in "
                    + "dnsflow_flows_dropped_total{sink=\"log\"}; "
                    + (backAgain ? "writing again" : "retrying every " + TimeUnit.NANOSECONDS.toSeconds(RETRY_NANOS) + "s"));
            lastLine = t;
            anyLine = true;
            news = false;
            lostSinceLine = 0;
        }
    }
}
