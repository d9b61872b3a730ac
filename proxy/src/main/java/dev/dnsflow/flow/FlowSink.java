package dev.dnsflow.flow;

/**
 * Where finished flows go (JSON lines, the in-memory ring, later dnstap and the API stream).
 * Called from the recorder's own thread, never from an event loop, so a sink may block briefly;
 * if it falls behind, the recorder drops flows for it and counts them.
 */
public interface FlowSink extends AutoCloseable {
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

    /** Called when the recorder's queue is momentarily empty: a good time to flush buffers. */
    default void idle() {
    }

    /**
     * Flows this sink accepted but lost since the last call (e.g. a buffered write failed later); the
     * recorder asks after each call into the sink and counts them as dropped for this sink.
     */
    default long takeLost() {
        return 0;
    }

    @Override
    default void close() {
    }
}
