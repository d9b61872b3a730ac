package dev.dnsflow.record;

import dev.dnsflow.flow.CompactWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with the few encodings {@link FlowCodec} needs (and flow extensions, through
 * {@link CompactWriter}). One thread; reused flow after flow.
 */
final class ByteWriter implements CompactWriter {
    private byte[] bytes = new byte[256];
    private int length;

    void reset() {
        length = 0;
    }

    byte[] array() {
        return bytes;
    }

    int length() {
        return length;
    }

    @Override
    public void writeByte(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
    }

    /** An int as unsigned LEB128: small numbers (ports, sizes, counts) take one or two bytes; any int round-trips. */
    @Override
    public void writeVarint(int v) {
        writeUnsigned(v & 0xFFFF_FFFFL);
    }

    private void writeUnsigned(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            bytes[length++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        bytes[length++] = (byte) v;
    }

    /** Zig-zag, so small negative numbers (-1 for "none") stay small too. */
    @Override
    public void writeSigned(long v) {
        writeUnsigned((v << 1) ^ (v >> 63));
    }

    /** 0 for null, else the zig-zagged value + 1: every int and null round-trip. */
    @Override
    public void writeNullableInt(Integer v) {
        writeUnsigned(v == null ? 0 : ((((long) v) << 1) ^ (((long) v) >> 63)) + 1);
    }

    @Override
    public void writeFixedLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (v >>> shift);
        }
    }

    @Override
    public void writeBytes(byte[] b) {
        writeVarint(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
    }

    @Override
    public void writeString(String s) {
        writeText(s, 0);
    }

    /** Length + 1 then the text, or a single 0 for null. */
    @Override
    public void writeNullableString(String s) {
        if (s == null) {
            writeVarint(0);
        } else {
            writeText(s, 1);
        }
    }

    private void writeText(String s, int bias) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (!ascii) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeVarint(utf8.length + bias);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, bytes, length, utf8.length);
            length += utf8.length;
            return;
        }
        writeVarint(n + bias);
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length++] = (byte) s.charAt(i);
        }
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
