package dev.dnsflow.flow;

/**
 * Where finished flows go (JSON lines, dnstap, the API's live streams, per-name metrics; the ring is
 * kept by the recorder itself). Called from the recorder's one thread, never from an event loop: a
 * sink that blocks delays every sink after it and, once the recorder's bounded queue is full, the
 * flows the event loops hand over are dropped and counted as {@code sink="recorder"}. So a sink that
 * can be slow (a socket, a client) queues and drops for itself, and counts what it drops under its
 * own name, as the dnstap writer and the streams do.
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

    default void close() {
    }
}
