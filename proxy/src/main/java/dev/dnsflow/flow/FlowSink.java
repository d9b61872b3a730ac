package dev.dnsflow.flow;

/**
 * Where finished flows go (JSON lines, dnstap, the API's live streams, per-name metrics; the ring is
 * kept by the recorder itself). Never called from an event loop. Each sink gets flows through a bounded
 * queue and a thread of its own, and every call to it ({@code accept}, {@code idle}, {@code close}) comes
 * from that one thread: a sink that blocks (a flow log on a slow disk) delays only itself, and once its
 * queue is full its flows are dropped and counted under its own name
 * ({@code dnsflow_flows_dropped_total{sink="NAME"}}); the ring and the other sinks carry on. A flow whose
 * {@code accept} throws is counted there too.
 *
 * <p>A sink whose {@code accept} never blocks, because it only hands the flow to a bounded queue of its own
 * (dropping and counting for itself when it is full, as the dnstap writer and the streams do) or does brief
 * work in memory, says so with {@link #nonBlocking()}: the recorder thread then calls it directly, without
 * a second queue and thread.
 */
public interface FlowSink extends AutoCloseable {
    /** The {@code sink} label of its dropped flows: short, fixed, one per kind of sink. */
    String name();

    void accept(Flow flow);

    /** Whether this sink needs the bytes behind each flow ({@link #accept(Flow, WireCapture)}). */
    default boolean wantsWire() {
        return false;
    }

    /** With the bytes, for sinks that {@link #wantsWire() want them}; {@code wire} may be null. */
    default void accept(Flow flow, WireCapture wire) {
        accept(flow);
    }

    /**
     * True only if {@code accept} and {@code idle} never block (see above): then the recorder thread calls this
     * sink itself (and whoever closes the recorder calls {@code close}), and a sink that blocks after all holds
     * up the ring and every other sink.
     */
    default boolean nonBlocking() {
        return false;
    }

    /** Called when the sink has no flow waiting for it, after some arrived: a good time to flush buffers. */
    default void idle() {
    }

    /** Called once at shutdown, after the last flow it was given: flush here. */
    default void close() {
    }
}
