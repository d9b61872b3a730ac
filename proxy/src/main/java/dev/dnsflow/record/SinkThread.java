package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.metrics.ProxyMetrics;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One sink's bounded queue and the thread that empties it into the sink, so a sink that blocks (a flow log
 * on a disk that stopped answering) holds up nobody else: the recorder thread only offers, and when the queue
 * is full the flow is dropped for this sink alone and counted under its name. Every call to the sink
 * ({@code accept}, {@code idle}, {@code close}) comes from this one thread.
 *
 * <p>The recorder does not wake the thread per flow (a futex per flow costs more than the flow) but once per
 * batch, {@link #wake}; the thread sleeps only when its queue is empty, and never longer than
 * {@link #SLEEP_NANOS} in case a wake-up was missed.
 */
final class SinkThread {
    private static final Logger LOG = Logger.getLogger(FlowRecorder.class.getName());
    /** As many as the recorder's own queue: a sink that stalls a second at 40 000 flows/s loses nothing. */
    static final int QUEUE_CAPACITY = 1 << 16;
    private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final FlowSink sink;
    private final ProxyMetrics metrics;
    /** Flows, or {@link Captured} when the sink wants the bytes. */
    private final Queue<Object> queue = PlatformDependent.newFixedMpscQueue(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean asleep;
    /** Flows queued so far (the recorder thread writes it). */
    private volatile long queued;
    /** Flows handed to the sink so far, and how many of them it had when it was last told to flush (this thread writes both). */
    private volatile long delivered;
    private volatile long flushedAt;

    private record Captured(Flow flow, WireCapture wire) {
    }

    SinkThread(FlowSink sink, ProxyMetrics metrics) {
        this.sink = sink;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "dnsflow-sink-" + sink.name());
        thread.setDaemon(true);
        thread.start();
    }

    FlowSink sink() {
        return sink;
    }

    /** The recorder thread: queues the flow, or drops and counts it when this sink is that far behind. */
    void offer(Flow flow, WireCapture wire) {
        if (queue.offer(wire == null || !sink.wantsWire() ? flow : new Captured(flow, wire))) {
            queued++;
        } else {
            metrics.flowDropped(sink.name());
        }
    }

    /** Wakes the thread if it sleeps and has flows waiting: the recorder calls this once per batch. */
    void wake() {
        if (asleep && !queue.isEmpty()) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        boolean flushed = true;
        while (true) {
            Object next = queue.poll();
            if (next != null) {
                deliver(next);
                delivered++;
                flushed = false;
                continue;
            }
            if (!flushed) {
                idle();
                flushed = true;
                flushedAt = delivered;
                continue; // more may have come meanwhile
            }
            if (closing && queue.isEmpty()) {
                break; // everything offered before close() is in the queue by now, and the queue is empty
            }
            asleep = true;
            if (queue.isEmpty() && !closing) {
                LockSupport.parkNanos(SLEEP_NANOS);
            }
            asleep = false;
        }
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "flow sink " + sink.name() + " failed to close", e);
        }
    }

    private void deliver(Object next) {
        try {
            if (next instanceof Captured c) {
                sink.accept(c.flow(), c.wire());
            } else if (sink.wantsWire()) {
                sink.accept((Flow) next, null);
            } else {
                sink.accept((Flow) next);
            }
        } catch (RuntimeException e) {
            metrics.flowDropped(sink.name());
            LOG.log(Level.WARNING, "flow sink " + sink.name() + " failed", e);
        }
    }

    private void idle() {
        try {
            sink.idle();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "flow sink " + sink.name() + " failed to flush", e);
        }
    }

    /** Waits until every flow queued so far has reached the sink and the sink was told to flush after it (tests, shutdown). */
    void drain(long untilNanos) {
        long target = queued;
        while (flushedAt < target && thread.isAlive() && System.nanoTime() - untilNanos < 0) {
            LockSupport.unpark(thread);
            LockSupport.parkNanos(50_000);
        }
    }

    /** Stops taking flows once the queue is empty; the thread then closes the sink. Returns at once: see {@link #awaitClosed}. */
    void close() {
        closing = true;
        LockSupport.unpark(thread);
    }

    /** Waits for {@link #close} to finish; a sink still stuck by then loses what it has not taken, counted. */
    void awaitClosed(long untilNanos) {
        try {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            long lost = Math.max(0, queued - delivered);
            metrics.flowDropped(sink.name(), lost);
            LOG.warning("flow sink " + sink.name() + " did not finish in time at shutdown: " + lost + " flows not delivered, "
                    + "counted in dnsflow_flows_dropped_total{sink=\"" + sink.name() + "\"}");
        }
    }
}
