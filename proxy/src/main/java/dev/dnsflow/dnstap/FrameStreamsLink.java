package dev.dnsflow.dnstap;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * One open Frame Streams stream to a destination: the handshake, buffered data frames, and the
 * STOP/FINISH goodbye. Used only by the writer thread of {@link FrameStreamsWriter}.
 *
 * <p>Why non-blocking sockets with deadlines: a reader that stops reading (or never answers
 * READY) must not wedge the writer thread forever; every socket operation here gives up after
 * {@code ioTimeoutNanos} with an exception, and the writer then reconnects. Frames are gathered
 * in one buffer so that a burst costs one write call, and the buffer is pushed out at least every
 * {@link #FLUSH_INTERVAL_NANOS}.
 */
final class FrameStreamsLink implements AutoCloseable {
    static final long FLUSH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int BUFFER_BYTES = 64 * 1024;

    private final GatheringByteChannel channel;
    private final SocketChannel socket;
    private final Selector selector;
    private final long ioTimeoutNanos;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final ByteBuffer header = ByteBuffer.allocate(4);
    private final ByteBuffer scratch = ByteBuffer.allocate(64);
    private int bufferedFrames;
    private long oldestBufferedNanos;

    private FrameStreamsLink(GatheringByteChannel channel, SocketChannel socket, Selector selector,
                             long ioTimeoutNanos) {
        this.channel = channel;
        this.socket = socket;
        this.selector = selector;
        this.ioTimeoutNanos = ioTimeoutNanos;
    }

    /** Connects (sockets: READY → ACCEPT → START) or creates the file (START), ready for data. */
    static FrameStreamsLink open(Destination destination, long ioTimeoutNanos) throws IOException {
        if (!destination.bidirectional()) {
            FileChannel file = FileChannel.open(destination.path(), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            FrameStreamsLink link = new FrameStreamsLink(file, null, null, ioTimeoutNanos);
            link.writeNow(ControlFrame.dnstap(ControlFrame.START).encode());
            return link;
        }
        if (destination.kind() == Destination.Kind.UNIX && !Files.exists(destination.path())) {
            throw new IOException("no reader yet: " + destination.path() + " does not exist");
        }
        SocketChannel socket = destination.kind() == Destination.Kind.UNIX
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        Selector selector = null;
        try {
            socket.configureBlocking(false);
            selector = Selector.open();
            socket.register(selector, 0);
            FrameStreamsLink link = new FrameStreamsLink(socket, socket, selector, ioTimeoutNanos);
            if (!socket.connect(destination.socketAddress())) {
                long deadline = System.nanoTime() + ioTimeoutNanos;
                while (!socket.finishConnect()) {
                    link.await(SelectionKey.OP_CONNECT, deadline);
                }
            }
            link.handshake();
            return link;
        } catch (IOException | RuntimeException e) {
            socket.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    /**
     * Adds one data frame, pushing earlier frames out first when the buffer is full or they have
     * waited a second. On an exception, {@code payload} was not sent (the caller still owns it)
     * and {@link #bufferedFrames()} tells how many earlier frames are lost.
     *
     * @return the number of frames handed to the destination by this call
     */
    int write(byte[] payload) throws IOException {
        int sent = 0;
        if (4 + payload.length > buffer.remaining()
                || (bufferedFrames > 0 && System.nanoTime() - oldestBufferedNanos >= FLUSH_INTERVAL_NANOS)) {
            sent += flush();
        }
        if (4 + payload.length > buffer.remaining()) {
            header.clear();
            header.putInt(payload.length).flip();
            writeFully(header, ByteBuffer.wrap(payload));
            return sent + 1;
        }
        if (bufferedFrames == 0) {
            oldestBufferedNanos = System.nanoTime();
        }
        buffer.putInt(payload.length).put(payload);
        bufferedFrames++;
        return sent;
    }

    /** Frames accepted by {@link #write} but not yet handed to the destination. */
    int bufferedFrames() {
        return bufferedFrames;
    }

    /**
     * Hands buffered frames to the destination. Checks first that a socket reader is still
     * there: over TCP the first write after the reader left would otherwise vanish silently.
     *
     * @return the number of frames flushed
     */
    int flush() throws IOException {
        checkReaderPresent();
        if (bufferedFrames == 0) {
            return 0;
        }
        buffer.flip();
        writeFully(buffer);
        buffer.clear();
        int flushed = bufferedFrames;
        bufferedFrames = 0;
        return flushed;
    }

    /**
     * Throws if a socket reader closed its end. A Frame Streams reader sends nothing between
     * ACCEPT and FINISH, so end-of-stream here means it went away; stray bytes are ignored.
     */
    void checkReaderPresent() throws IOException {
        if (socket == null) {
            return;
        }
        while (true) {
            scratch.clear();
            int n = socket.read(scratch);
            if (n < 0) {
                throw new EOFException("the dnstap reader closed the connection");
            }
            if (n == 0) {
                return;
            }
        }
    }

    /**
     * Flushes, sends STOP and, on a socket, waits up to the I/O timeout for the reader's FINISH.
     *
     * @return the number of frames flushed
     */
    int finish() throws IOException {
        int flushed = flush();
        writeNow(ControlFrame.bare(ControlFrame.STOP).encode());
        if (socket != null) {
            long deadline = System.nanoTime() + ioTimeoutNanos;
            while (readControl(deadline).type() != ControlFrame.FINISH) {
                // a reader may send control types this writer does not know: skip them
            }
        }
        return flushed;
    }

    @Override
    public void close() {
        try {
            channel.close();
            if (selector != null) {
                selector.close();
            }
        } catch (IOException ignored) {
            // nothing left to do with a broken channel
        }
    }

    private void handshake() throws IOException {
        writeNow(ControlFrame.dnstap(ControlFrame.READY).encode());
        long deadline = System.nanoTime() + ioTimeoutNanos;
        while (true) {
            ControlFrame answer = readControl(deadline);
            if (answer.type() == ControlFrame.ACCEPT) {
                if (!answer.matches(ControlFrame.DNSTAP_CONTENT_TYPE)) {
                    throw new IOException("the reader accepts " + answer.contentTypes() + ", not "
                            + ControlFrame.DNSTAP_CONTENT_TYPE);
                }
                break;
            }
            if (answer.type() >= ControlFrame.ACCEPT && answer.type() <= ControlFrame.FINISH) {
                throw new IOException("expected ACCEPT from the reader, got " + ControlFrame.typeName(answer.type()));
            }
        }
        writeNow(ControlFrame.dnstap(ControlFrame.START).encode());
    }

    private ControlFrame readControl(long deadline) throws IOException {
        ByteBuffer lengths = ByteBuffer.allocate(8);
        readFully(lengths, deadline);
        if (lengths.getInt(0) != 0) {
            throw new IOException("expected a Frame Streams control frame from the reader");
        }
        int length = lengths.getInt(4);
        if (length < 4 || length > ControlFrame.MAX_CONTROL_LENGTH) {
            throw new IOException("bad Frame Streams control length " + length + " from the reader");
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(payload, deadline);
        return ControlFrame.decode(payload);
    }

    private void writeNow(byte[] bytes) throws IOException {
        writeFully(ByteBuffer.wrap(bytes));
    }

    private void writeFully(ByteBuffer... buffers) throws IOException {
        long deadline = System.nanoTime() + ioTimeoutNanos;
        ByteBuffer last = buffers[buffers.length - 1];
        while (last.hasRemaining()) {
            if (channel.write(buffers) == 0 && socket != null) {
                await(SelectionKey.OP_WRITE, deadline);
            }
        }
    }

    private void readFully(ByteBuffer target, long deadline) throws IOException {
        while (target.hasRemaining()) {
            int n = socket.read(target);
            if (n < 0) {
                throw new EOFException("the dnstap reader closed the connection");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline);
            }
        }
        target.flip();
    }

    private void await(int op, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            String what = op == SelectionKey.OP_CONNECT ? "accept the connection"
                    : op == SelectionKey.OP_READ ? "answer" : "read";
            throw new SocketTimeoutException("the dnstap reader did not " + what + " within "
                    + TimeUnit.NANOSECONDS.toMillis(ioTimeoutNanos) + " ms");
        }
        SelectionKey key = socket.keyFor(selector);
        key.interestOps(op);
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        selector.selectedKeys().clear();
        key.interestOps(0);
    }
}
