package dev.dnsflow.sidecar;

/** A producer broke the Frame Streams rules; its connection is closed, others carry on. */
final class FrameStreamsViolation extends Exception {
    private static final long serialVersionUID = 1L;

    private final ProducerRejection reason;

    FrameStreamsViolation(ProducerRejection reason, String message) {
        super(message, null, false, false); // an expected event: no stack trace to fill
        this.reason = reason;
    }

    ProducerRejection reason() {
        return reason;
    }
}
