package dev.dnsflow.dnstap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Frame Streams control frame: the handshake and shutdown messages that surround the data
 * frames (READY → ACCEPT → START … STOP → FINISH on sockets; START … STOP in files).
 *
 * <p>Why its own type: readers (fstrm, the dnstap CLI) reject a stream whose control frames are
 * off by one byte, so the encoding lives in one place, tested byte for byte against the spec.
 * On the wire: a zero "escape" length, the control payload length, then the payload = control
 * type followed by fields (field type, length, bytes); all integers 32-bit big-endian.
 *
 * @param type         one of the {@code ACCEPT}…{@code FINISH} constants, or an unknown value
 *                     received from a peer (which a writer must ignore)
 * @param contentTypes the CONTENT_TYPE fields; empty means "matches any"
 */
public record ControlFrame(int type, List<String> contentTypes) {
    public static final int ACCEPT = 1;
    public static final int START = 2;
    public static final int STOP = 3;
    public static final int READY = 4;
    public static final int FINISH = 5;

    /** The only field type Frame Streams defines. */
    public static final int FIELD_CONTENT_TYPE = 1;
    /** Readers refuse longer control payloads (fstrm's limit). */
    public static final int MAX_CONTROL_LENGTH = 512;
    /** Readers refuse longer content types (fstrm's limit). */
    public static final int MAX_CONTENT_TYPE_LENGTH = 256;
    /** What a dnstap reader expects in READY, ACCEPT and START. */
    public static final String DNSTAP_CONTENT_TYPE = "protobuf:dnstap.Dnstap";

    public ControlFrame {
        contentTypes = List.copyOf(contentTypes);
    }

    /** A control frame carrying the dnstap content type. */
    public static ControlFrame dnstap(int type) {
        return new ControlFrame(type, List.of(DNSTAP_CONTENT_TYPE));
    }

    /** A control frame without fields (STOP and FINISH carry none). */
    public static ControlFrame bare(int type) {
        return new ControlFrame(type, List.of());
    }

    /** Whether this frame accepts {@code contentType}: it names it, or names none at all. */
    public boolean matches(String contentType) {
        return contentTypes.isEmpty() || contentTypes.contains(contentType);
    }

    /** The complete wire form, escape included. */
    public byte[] encode() {
        List<byte[]> fields = new ArrayList<>(contentTypes.size());
        int payloadLength = 4;
        for (String contentType : contentTypes) {
            byte[] bytes = contentType.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length > MAX_CONTENT_TYPE_LENGTH) {
                throw new IllegalArgumentException("content type longer than " + MAX_CONTENT_TYPE_LENGTH
                        + " bytes: " + contentType);
            }
            fields.add(bytes);
            payloadLength += 8 + bytes.length;
        }
        if (payloadLength > MAX_CONTROL_LENGTH) {
            throw new IllegalArgumentException("control frame longer than " + MAX_CONTROL_LENGTH + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate(8 + payloadLength);
        out.putInt(0).putInt(payloadLength).putInt(type);
        for (byte[] field : fields) {
            out.putInt(FIELD_CONTENT_TYPE).putInt(field.length).put(field);
        }
        return out.array();
    }

    /**
     * Decodes a control payload (what follows the escape and the control length). Fields other
     * than CONTENT_TYPE are skipped, as the spec asks of readers and writers alike.
     *
     * @throws IOException when the payload is truncated or too long
     */
    public static ControlFrame decode(ByteBuffer payload) throws IOException {
        if (payload.remaining() < 4 || payload.remaining() > MAX_CONTROL_LENGTH) {
            throw new IOException("bad Frame Streams control length " + payload.remaining());
        }
        int type = payload.getInt();
        List<String> contentTypes = new ArrayList<>(1);
        while (payload.hasRemaining()) {
            if (payload.remaining() < 8) {
                throw new IOException("truncated Frame Streams control field");
            }
            int fieldType = payload.getInt();
            int length = payload.getInt();
            if (length < 0 || length > payload.remaining()) {
                throw new IOException("Frame Streams control field length " + length + " overruns the frame");
            }
            byte[] value = new byte[length];
            payload.get(value);
            if (fieldType == FIELD_CONTENT_TYPE) {
                contentTypes.add(new String(value, StandardCharsets.US_ASCII));
            }
        }
        return new ControlFrame(type, contentTypes);
    }

    /** A readable name for error messages. */
    public static String typeName(int type) {
        return switch (type) {
            case ACCEPT -> "ACCEPT";
            case START -> "START";
            case STOP -> "STOP";
            case READY -> "READY";
            case FINISH -> "FINISH";
            default -> "control type " + type;
        };
    }
}
