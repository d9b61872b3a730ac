package dev.dnsflow.sidecar;

import dev.dnsflow.dnstap.ControlFrame;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Frame Streams framing, read side, without I/O: cuts a byte stream into data and control frames.
 * A data frame is a 32-bit big-endian length and that many bytes; a length of 0 escapes a control
 * frame (32-bit length, then the control payload).
 *
 * <p>Why lengths are checked as soon as they arrive, not when the frame is complete: a length over the
 * limit must close the connection before the bytes it announces are buffered, so a producer can never
 * make the receiver hold more than one maximal frame.
 */
final class FrameStreamsDecoder {
    private static final int LENGTH_BYTES = 4;

    /** One complete frame. */
    sealed interface Frame permits Data, Control {
    }

    /** A data frame: one serialized Dnstap message. */
    record Data(byte[] bytes) implements Frame {
    }

    /** A control frame (READY, START, STOP, …). */
    record Control(ControlFrame frame) implements Frame {
    }

    private FrameStreamsDecoder() {
    }

    /**
     * Takes the next complete frame from {@code in}.
     *
     * @return the frame, consumed from {@code in}; or null, consuming nothing, when more bytes are needed
     * @throws FrameStreamsViolation for a data frame over {@code maxFrame} bytes or a malformed control frame
     */
    static Frame next(ByteBuf in, int maxFrame) throws FrameStreamsViolation {
        if (in.readableBytes() < LENGTH_BYTES) {
            return null;
        }
        int at = in.readerIndex();
        long length = in.getUnsignedInt(at);
        if (length == 0) {
            return control(in, at);
        }
        if (length > maxFrame) {
            throw new FrameStreamsViolation(ProducerRejection.OVERSIZED,
                    "frame of " + length + " bytes (at most " + maxFrame + ")");
        }
        if (in.readableBytes() < LENGTH_BYTES + length) {
            return null;
        }
        byte[] bytes = new byte[(int) length];
        in.skipBytes(LENGTH_BYTES).readBytes(bytes);
        return new Data(bytes);
    }

    private static Frame control(ByteBuf in, int at) throws FrameStreamsViolation {
        if (in.readableBytes() < 2 * LENGTH_BYTES) {
            return null;
        }
        long length = in.getUnsignedInt(at + LENGTH_BYTES);
        if (length < 4 || length > ControlFrame.MAX_CONTROL_LENGTH) {
            throw new FrameStreamsViolation(ProducerRejection.PROTOCOL, "bad control frame length " + length);
        }
        if (in.readableBytes() < 2 * LENGTH_BYTES + length) {
            return null;
        }
        byte[] payload = new byte[(int) length];
        in.skipBytes(2 * LENGTH_BYTES).readBytes(payload);
        try {
            return new Control(ControlFrame.decode(ByteBuffer.wrap(payload)));
        } catch (IOException e) {
            throw new FrameStreamsViolation(ProducerRejection.PROTOCOL, e.getMessage());
        }
    }
}
