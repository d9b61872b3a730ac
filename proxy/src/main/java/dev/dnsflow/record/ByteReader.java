package dev.dnsflow.record;

import dev.dnsflow.flow.CompactReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link ByteWriter} wrote. Every length is checked against what is left before it is
 * used, so bytes that are not a flow end in an {@link IllegalStateException}, never in a read outside
 * {@code [0, limit)} or a huge allocation.
 */
final class ByteReader implements CompactReader {
    private final byte[] bytes;
    private final int limit;
    private int position;

    ByteReader(byte[] bytes, int limit) {
        this.bytes = bytes;
        this.limit = limit;
    }

    @Override
    public int readByte() {
        check(1);
        return bytes[position++] & 0xFF;
    }

    @Override
    public int readVarint() {
        long v = readLongVarint();
        if (v > 0xFFFF_FFFFL) {
            throw new IllegalStateException("varint out of range");
        }
        return (int) v;
    }

    @Override
    public long readSigned() {
        long v = readLongVarint();
        return (v >>> 1) ^ -(v & 1);
    }

    @Override
    public Integer readNullableInt() {
        long v = readLongVarint();
        if (v == 0) {
            return null;
        }
        v -= 1;
        return (int) ((v >>> 1) ^ -(v & 1));
    }

    @Override
    public long readFixedLong() {
        check(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (bytes[position++] & 0xFF);
        }
        return v;
    }

    @Override
    public byte[] readBytes() {
        int n = readVarint();
        check(n);
        byte[] out = new byte[n];
        System.arraycopy(bytes, position, out, 0, n);
        position += n;
        return out;
    }

    @Override
    public String readString() {
        return text(readVarint());
    }

    @Override
    public String readNullableString() {
        int n = readVarint();
        return n == 0 ? null : text(n - 1);
    }

    private String text(int n) {
        check(n);
        String s = new String(bytes, position, n, StandardCharsets.UTF_8);
        position += n;
        return s;
    }

    private long readLongVarint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("varint too long");
    }

    /** Bytes not read yet. */
    int remaining() {
        return limit - position;
    }

    /** Fails unless {@code n} more bytes (or items of at least a byte each) are left. */
    void check(int n) {
        if (n < 0 || n > limit - position) {
            throw new IllegalStateException("flow record ends early");
        }
    }
}
