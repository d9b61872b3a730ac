package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowIds;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.util.Addresses;
import io.netty.channel.EventLoop;
import dev.dnsflow.flow.WireCapture;
import java.net.InetAddress;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
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
    private final BiConsumer<Flow, WireCapture> recorder;
    private boolean captureWire;
    private final BooleanSupplier recording;
    private InetAddress lastAddress;
    private String lastAddressText;
    /** Exchanges started and not yet completed, newest first (linked through the exchanges: no allocation). */
    private Exchange live;
    private int liveCount;
    private long lastArrivalNanos;
    private boolean stopped;

    public LoopContext(EventLoop eventLoop, int index, ProxyMetrics metrics, Consumer<Flow> recorder) {
        this(eventLoop, index, metrics, (flow, wire) -> recorder.accept(flow), () -> true, false);
    }

    /**
     * @param recording   whether anything wants flows right now (false: finished exchanges build none)
     * @param captureWire keep the bytes behind each flow (only when a sink such as dnstap wants them)
     */
    public LoopContext(EventLoop eventLoop, int index, ProxyMetrics metrics, BiConsumer<Flow, WireCapture> recorder,
                       BooleanSupplier recording, boolean captureWire) {
        this.eventLoop = eventLoop;
        this.index = index;
        this.flowIds = new FlowIds(index);
        this.metrics = metrics;
        this.recorder = recorder;
        this.captureWire = captureWire;
        this.recording = recording;
    }

    public boolean capturesWire() {
        return captureWire;
    }

    /** Keep the bytes behind each flow: set once the sinks are known (one wants them), before any query arrives. */
    public void captureWire(boolean capture) {
        this.captureWire = capture;
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

    /**
     * The address as text, remembered for the last one seen: nearly all queries of a loop come from
     * the same few senders (CoreDNS), and formatting one took a string build per flow.
     */
    public String addressText(InetAddress address) {
        if (!address.equals(lastAddress)) {
            lastAddress = address;
            lastAddressText = Addresses.text(address);
        }
        return lastAddressText;
    }

    void opened(Exchange e) {
        lastArrivalNanos = e.receivedNanos();
        e.liveNext = live;
        if (live != null) {
            live.livePrev = e;
        }
        live = e;
        liveCount++;
    }

    void closed(Exchange e) {
        if (e.livePrev != null) {
            e.livePrev.liveNext = e.liveNext;
        } else if (live == e) {
            live = e.liveNext;
        } else {
            return; // not linked (completed twice cannot happen; stay safe)
        }
        if (e.liveNext != null) {
            e.liveNext.livePrev = e.livePrev;
        }
        e.liveNext = null;
        e.livePrev = null;
        liveCount--;
    }

    /** Exchanges on this loop not yet completed. On the loop's thread only. */
    public int live() {
        return liveCount;
    }

    /** When the last query that became an exchange arrived ({@link System#nanoTime}); 0 before the first. */
    public long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** Shutdown's last step: from now on the frontends drop what arrives (counted). On the loop's thread. */
    public void stopTakingQueries() {
        stopped = true;
    }

    /** Whether the frontends must drop new queries as {@code shutting_down}. On the loop's thread. */
    public boolean stopped() {
        return stopped;
    }

    /** Shutdown: completes every exchange still open on this loop (see {@link Exchange#abandon}). On the loop's thread. */
    public void abandonLive() {
        for (Exchange e = live; e != null; ) {
            Exchange next = e.liveNext;
            e.abandon();
            e = next;
        }
        flusher.flush();
    }

    public boolean recording() {
        return recording.getAsBoolean();
    }

    public void record(Flow flow, WireCapture wire) {
        recorder.accept(flow, wire);
    }
}
