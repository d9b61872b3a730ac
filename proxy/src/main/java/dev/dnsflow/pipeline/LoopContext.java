package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowIds;
import dev.dnsflow.metrics.ProxyMetrics;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;

/**
 * What belongs to one event loop: its write batcher, its flow-ID generator and the shared services
 * it hands flows and counts to. Everything mutable here is touched only from that loop.
 */
public final class LoopContext {
    private final EventLoop eventLoop;
    private final int index;
    private final Flusher flusher = new Flusher();
    private final FlowIds flowIds;
    private final ProxyMetrics metrics;
    private final Consumer<Flow> recorder;

    public LoopContext(EventLoop eventLoop, int index, ProxyMetrics metrics, Consumer<Flow> recorder) {
        this.eventLoop = eventLoop;
        this.index = index;
        this.flowIds = new FlowIds(index);
        this.metrics = metrics;
        this.recorder = recorder;
    }

    public EventLoop eventLoop() {
        return eventLoop;
    }

    /** 0-based; stages keep per-loop state in arrays indexed by it. */
    public int index() {
        return index;
    }

    public Flusher flusher() {
        return flusher;
    }

    public FlowIds flowIds() {
        return flowIds;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public void record(Flow flow) {
        recorder.accept(flow);
    }
}
