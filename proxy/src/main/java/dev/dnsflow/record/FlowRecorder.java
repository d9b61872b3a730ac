package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Gauge;
import io.netty.util.internal.PlatformDependent;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes finished flows off the event loops and hands them to the ring and the sinks on its own
 * thread. The hand-off is a bounded lock-free queue: when it is full the flow is dropped and counted
 * ({@code dnsflow_flows_dropped_total{sink="recorder"}}), so a slow sink never slows forwarding.
 */
public final class FlowRecorder implements Consumer<Flow>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FlowRecorder.class.getName());
    private static final int QUEUE_CAPACITY = 1 << 16;

    private final Queue<Flow> queue = PlatformDependent.newFixedMpscQueue(QUEUE_CAPACITY);
    private final FlowRing ring;
    private final List<FlowSink> sinks = new CopyOnWriteArrayList<>();
    private final ProxyMetrics metrics;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean parked;

    public FlowRecorder(FlowRing ring, ProxyMetrics metrics) {
        this.ring = ring;
        this.metrics = metrics;
        Gauge.builder("dnsflow.flow.ring.size", ring, FlowRing::size).description("Flows held in memory")
                .register(metrics.registry());
        this.thread = new Thread(this::run, "dnsflow-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    public FlowRing ring() {
        return ring;
    }

    public void addSink(FlowSink sink) {
        sinks.add(sink);
    }

    /** Called on an event loop: never blocks. */
    @Override
    public void accept(Flow flow) {
        if (!queue.offer(flow)) {
            metrics.flowDropped("recorder");
            return;
        }
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Flow flow = queue.poll();
            if (flow == null) {
                sinks.forEach(this::idle);
                parked = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
                parked = false;
                continue;
            }
            ring.add(flow);
            for (FlowSink sink : sinks) {
                try {
                    sink.accept(flow);
                } catch (RuntimeException e) {
                    metrics.flowDropped(sink.name());
                    LOG.log(Level.WARNING, "flow sink " + sink.name() + " failed", e);
                }
            }
        }
    }

    private void idle(FlowSink sink) {
        try {
            sink.idle();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "flow sink " + sink.name() + " failed to flush", e);
        }
    }

    /** Waits until every flow accepted so far has reached the ring and the sinks (tests, shutdown). */
    public void drain(long timeoutMillis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while ((!queue.isEmpty() || !parked) && System.nanoTime() < until) {
            LockSupport.unpark(thread);
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sinks.forEach(FlowSink::close);
    }
}
