package dev.dnsflow.log;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowSink;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code --flow-log PATH|-}: one JSON object per line, for jq. A file is rotated by size
 * ({@code PATH} → {@code PATH.1} → … → {@code PATH.N}, oldest deleted); stdout is never rotated.
 * Buffered, and flushed whenever the recorder has nothing else to do.
 */
public final class JsonLinesSink implements FlowSink {
    private static final byte NEWLINE = '\n';

    private final Path path;
    private final long maxBytes;
    private final int keep;
    private CountingStream out;
    private JsonGenerator json;

    private JsonLinesSink(Path path, OutputStream out, long maxBytes, int keep) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
        open(out);
    }

    public static JsonLinesSink stdout() {
        return new JsonLinesSink(null, System.out, Long.MAX_VALUE, 0);
    }

    /** @throws UncheckedIOException naming the path when it cannot be opened */
    public static JsonLinesSink file(Path path, long maxBytes, int keep) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new JsonLinesSink(path, append(path), maxBytes, keep);
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
        try {
            FlowJson.write(flow, json);
            json.flush();
            out.write(NEWLINE);
            if (path != null && out.count() >= maxBytes) {
                rotate();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void idle() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            json.close();
            if (path != null) {
                out.close();
            } else {
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void rotate() throws IOException {
        json.close();
        out.close();
        for (int i = keep; i >= 1; i--) {
            Path from = i == 1 ? path : sibling(i - 1);
            if (Files.exists(from)) {
                if (i == keep) {
                    Files.deleteIfExists(sibling(i));
                }
                Files.move(from, sibling(i), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keep == 0) {
            Files.deleteIfExists(path);
        }
        open(append(path));
    }

    private Path sibling(int generation) {
        return path.resolveSibling(path.getFileName() + "." + generation);
    }

    private void open(OutputStream stream) {
        try {
            out = new CountingStream(stream, path == null ? 0 : Files.size(path));
            json = FlowJson.FACTORY.createGenerator(out);
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            json.configure(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM, false);
            json.setRootValueSeparator(null); // lines must start with '{', not with Jackson's default space
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OutputStream append(Path path) throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                1 << 16);
    }

    /** Counts bytes on their way to the file, so rotation needs no stat per flow. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        private long count;

        CountingStream(OutputStream out, long initial) {
            super(out);
            this.count = initial;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        long count() {
            return count;
        }
    }
}
