package dev.dnsflow.sidecar;

import dev.dnsflow.dnstap.ControlFrame;

/**
 * The reader's side of one bidirectional Frame Streams session, without I/O: READY → ACCEPT, START,
 * data frames, STOP → FINISH. Unknown control types are ignored, as the spec asks.
 *
 * <p>Lenient where real producers differ and nothing is at stake (START without READY is taken, data
 * before START is dropped); strict where a peer is not a dnstap producer at all (another content type) or
 * could make us write without end (READY after START: each READY would cost an ACCEPT).
 */
final class FrameStreamsSession {
    private static final byte[] ACCEPT = ControlFrame.dnstap(ControlFrame.ACCEPT).encode();
    private static final byte[] FINISH = ControlFrame.bare(ControlFrame.FINISH).encode();

    private boolean started;
    private boolean finished;

    /**
     * @return the bytes to send back (ACCEPT for READY, FINISH for STOP), or null
     * @throws FrameStreamsViolation when the frame ends the session as a protocol error
     */
    byte[] onControl(ControlFrame control) throws FrameStreamsViolation {
        switch (control.type()) {
            case ControlFrame.READY -> {
                if (started) {
                    throw new FrameStreamsViolation(ProducerRejection.PROTOCOL, "READY after START");
                }
                requireDnstap(control);
                return ACCEPT;
            }
            case ControlFrame.START -> {
                requireDnstap(control);
                started = true;
                return null;
            }
            case ControlFrame.STOP -> {
                finished = true;
                return FINISH;
            }
            default -> {
                return null;
            }
        }
    }

    private static void requireDnstap(ControlFrame control) throws FrameStreamsViolation {
        if (!control.matches(ControlFrame.DNSTAP_CONTENT_TYPE)) {
            throw new FrameStreamsViolation(ProducerRejection.PROTOCOL, ControlFrame.typeName(control.type())
                    + " offers " + control.contentTypes() + ", not " + ControlFrame.DNSTAP_CONTENT_TYPE);
        }
    }

    /** The handshake is complete: START was received. */
    boolean started() {
        return started;
    }

    /** STOP was received: FINISH is the last thing to send. */
    boolean finished() {
        return finished;
    }

    /** Whether a data frame is passed on now: only between START and STOP. */
    boolean takesData() {
        return started && !finished;
    }
}
