package dev.dnsflow.dnstap;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends dnstap payloads to a Frame Streams reader ({@code dnstap -u}, {@code fstrm_capture}, a
 * collector) or a file, from its own daemon thread {@value #THREAD_NAME}.
 *
 * <p>Why this shape: dnstap is an observation channel and must never slow or stop the proxy.
 * {@link #offer} only puts the payload in a bounded queue and returns; when the queue is full
 * (the reader is slow, absent, or gone) the payload is dropped and counted, as CoreDNS does above
 * 10 000 buffered messages. The thread connects, and reconnects with exponential backoff
 * (100 ms doubling to 5 s) whenever the reader is not there; frames that wait meanwhile stay in
 * the queue, and frames lost with a broken connection are counted as dropped, so that
 * {@code written() + dropped()} accounts for every offered payload once the writer is closed.
 */
public final class FrameStreamsWriter implements AutoCloseable {
    /** CoreDNS's dnstap queue size. */
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** Frame Streams readers refuse larger data frames by default. */
    public static final int MAX_FRAME_BYTES = 1 << 20;
    public static final String THREAD_NAME = "dnsflow-dnstap";

    private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long IO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long CLOSE_WAIT_MILLIS = 10_000;
    /** Put in the queue by {@link #close()} to wake the thread; never written. */
    private static final byte[] WAKE = new byte[0];

    private final Destination destination;
    private final BlockingQueue<byte[]> queue;
    private final Runnable onDrop;
    private final LongAdder dropped = new LongAdder();
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean connected;
    private volatile String lastError;

    /**
     * Starts the writer thread, which connects in the background.
     *
     * @param queueCapacity payloads that may wait for the destination before new ones are dropped
     * @param onDrop        run once per dropped payload, on the offering or the writer thread (e.g.
     *                      {@code counter::increment} for {@code dnsflow_dnstap_dropped_total});
     *                      must be cheap and not block
     */
    public FrameStreamsWriter(Destination destination, int queueCapacity, Runnable onDrop) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("dnstap queue capacity must be positive: " + queueCapacity);
        }
        this.destination = destination;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.onDrop = onDrop == null ? () -> { } : onDrop;
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** A writer for a {@code --dnstap} value with the default queue and no drop callback. */
    public static FrameStreamsWriter open(String destination) {
        return new FrameStreamsWriter(Destination.parse(destination), DEFAULT_QUEUE_CAPACITY, null);
    }

    /**
     * Queues one serialized {@code dnstap.Dnstap} for sending. Never blocks and never throws.
     *
     * @return false if it was dropped (and counted): queue full, writer closed, or a payload that
     *         is null, empty or larger than {@link #MAX_FRAME_BYTES}
     */
    public boolean offer(byte[] payload) {
        if (closing || payload == null || payload.length == 0 || payload.length > MAX_FRAME_BYTES
                || !queue.offer(payload)) {
            drop(1);
            return false;
        }
        return true;
    }

    /** Payloads dropped so far, for whatever reason. */
    public long dropped() {
        return dropped.sum();
    }

    /** Payloads handed to the destination so far (written to the socket or file). */
    public long written() {
        return written.get();
    }

    /** Whether a reader has accepted the stream (always true for an opened file). */
    public boolean connected() {
        return connected;
    }

    /** Why the last connection attempt or stream failed, or null; for logs and diagnostics. */
    public String lastError() {
        return lastError;
    }

    public Destination destination() {
        return destination;
    }

    /**
     * Stops accepting payloads, sends what is queued if a reader is connected, ends the stream
     * (STOP, then FINISH from a socket reader) and waits for the thread. Queued payloads that
     * cannot be sent are counted as dropped.
     */
    @Override
    public void close() {
        closing = true;
        queue.offer(WAKE);
        LockSupport.unpark(thread);
        try {
            thread.join(CLOSE_WAIT_MILLIS);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(1).toMillis());
            }
            if (!thread.isAlive()) {
                dropLeftovers(); // an offer() racing with close() may have slipped in late
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            loop();
        } catch (Throwable e) {
            // offer() keeps dropping and counting; make the cause visible instead of vanishing
            connected = false;
            lastError = "dnstap writer thread died: " + e;
            throw e;
        }
    }

    private void loop() {
        FrameStreamsLink link = null;
        byte[] pending = null;
        long backoff = INITIAL_BACKOFF_NANOS;
        boolean lastAttempt = false;
        while (true) {
            if (link == null) {
                if (closing) {
                    // one more try so that frames offered just before close() are not lost
                    // only because the first connection was still being made
                    if (lastAttempt || (pending == null && queue.stream().allMatch(f -> f == WAKE))) {
                        break;
                    }
                    lastAttempt = true;
                }
                try {
                    link = FrameStreamsLink.open(destination, IO_TIMEOUT_NANOS);
                    connected = true;
                    lastError = null;
                    backoff = INITIAL_BACKOFF_NANOS;
                } catch (IOException | RuntimeException e) {
                    lastError = destination + ": " + e.getMessage();
                    if (!closing) {
                        LockSupport.parkNanos(backoff);
                    }
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
                }
                continue;
            }
            try {
                byte[] frame = pending != null ? pending : next(link);
                if (frame == null && closing) {
                    written.addAndGet(link.finish());
                    break;
                }
                if (frame == null) {
                    written.addAndGet(link.flush());
                } else if (frame != WAKE) {
                    pending = frame;
                    written.addAndGet(link.write(frame));
                    pending = null;
                }
            } catch (IOException | RuntimeException e) {
                lastError = destination + ": " + e.getMessage();
                drop(link.bufferedFrames());
                link.close();
                link = null;
                connected = false;
            } catch (InterruptedException e) {
                break; // close() gave up waiting
            }
        }
        if (link != null) {
            drop(link.bufferedFrames());
            link.close();
        }
        connected = false;
        drop(pending == null || pending == WAKE ? 0 : 1);
        dropLeftovers();
    }

    private void dropLeftovers() {
        for (byte[] left; (left = queue.poll()) != null; ) {
            drop(left == WAKE ? 0 : 1);
        }
    }

    /**
     * The next queued frame, or null when the queue is empty: at once while frames are buffered
     * (so that an idle queue means a flush), after a second otherwise (so that the idle writer
     * still notices, through {@link FrameStreamsLink#flush}, a reader that went away).
     */
    private byte[] next(FrameStreamsLink link) throws InterruptedException {
        if (closing || link.bufferedFrames() > 0) {
            return queue.poll();
        }
        return queue.poll(FrameStreamsLink.FLUSH_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
    }

    private void drop(int count) {
        for (int i = 0; i < count; i++) {
            dropped.increment();
            try {
                onDrop.run();
            } catch (RuntimeException ignored) {
                // a metrics callback must not break the writer or the caller
            }
        }
    }
}
