package dev.dnsflow.wire;

import io.netty.buffer.ByteBuf;

/**
 * Domain names on the wire (RFC 1035 4.1.4): skipping, comparing and printing them without
 * building objects. Every method bounds its walk, so hostile input (pointer loops, labels past the
 * end, over-long names) ends in {@link #INVALID} instead of an exception or a spin.
 */
public final class Names {
    /** Reused per thread: names are decoded once per flow on the event loops, and the builder was half the garbage. */
    private static final ThreadLocal<StringBuilder> TEXT = ThreadLocal.withInitial(() -> new StringBuilder(64));
    /** Returned instead of an offset when the name is malformed or runs past the message. */
    public static final int INVALID = -1;

    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_POINTERS = 64;

    private Names() {
    }

    /**
     * Returns the offset just after the name that starts at {@code offset}, or {@link #INVALID}.
     * Compression pointers are followed only to validate them: each must point strictly backwards,
     * which makes loops impossible.
     *
     * @param base  the message's first byte (its header)
     * @param limit one past the message's last byte
     */
    public static int skip(ByteBuf m, int base, int offset, int limit) {
        int pos = offset;
        int end = INVALID;
        int length = 1;
        int pointers = 0;
        while (true) {
            if (pos >= limit) {
                return INVALID;
            }
            int len = m.getUnsignedByte(pos);
            if (len == 0) {
                return end == INVALID ? pos + 1 : end;
            }
            int kind = len & 0xC0;
            if (kind == 0xC0) {
                if (pos + 1 >= limit || ++pointers > MAX_POINTERS) {
                    return INVALID;
                }
                int target = base + (((len & 0x3F) << 8) | m.getUnsignedByte(pos + 1));
                if (target >= pos || target < base + DnsHeader.SIZE) {
                    return INVALID;
                }
                if (end == INVALID) {
                    end = pos + 2;
                }
                pos = target;
            } else if (kind != 0) {
                return INVALID; // 0x40 and 0x80 label types are obsolete / reserved
            } else {
                length += len + 1;
                if (length > MAX_NAME_LENGTH) {
                    return INVALID;
                }
                pos += len + 1;
            }
        }
    }

    /** Whether two uncompressed wire names of equal length are equal, ignoring ASCII case. */
    public static boolean equalsIgnoreCase(ByteBuf a, int aOffset, ByteBuf b, int bOffset, int length) {
        for (int i = 0; i < length; i++) {
            int x = a.getUnsignedByte(aOffset + i);
            int y = b.getUnsignedByte(bOffset + i);
            if (x != y && toLower(x) != toLower(y)) {
                return false;
            }
        }
        return true;
    }

    private static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /**
     * The presentation form of a name ({@code example.com.}, root as {@code .}), escaping as dig
     * does: {@code \.} and {@code \\} inside labels, {@code \DDD} for bytes that are not printable.
     * Assumes the name was validated with {@link #skip}; returns null if it was not.
     */
    public static String toText(ByteBuf m, int base, int offset, int limit) {
        StringBuilder sb = TEXT.get();
        sb.setLength(0);
        int pos = offset;
        int pointers = 0;
        while (pos < limit) {
            int len = m.getUnsignedByte(pos);
            if (len == 0) {
                return sb.length() == 0 ? "." : sb.toString();
            }
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= limit || ++pointers > MAX_POINTERS) {
                    return null;
                }
                int target = base + (((len & 0x3F) << 8) | m.getUnsignedByte(pos + 1));
                if (target >= pos) {
                    return null;
                }
                pos = target;
                continue;
            }
            if (pos + 1 + len > limit) {
                return null;
            }
            for (int i = 1; i <= len; i++) {
                appendEscaped(sb, m.getUnsignedByte(pos + i));
            }
            sb.append('.');
            pos += len + 1;
        }
        return null;
    }

    private static void appendEscaped(StringBuilder sb, int c) {
        if (c == '.' || c == '\\') {
            sb.append('\\').append((char) c);
        } else if (c > 0x20 && c < 0x7F) {
            sb.append((char) c);
        } else {
            sb.append('\\');
            if (c < 100) {
                sb.append('0');
            }
            if (c < 10) {
                sb.append('0');
            }
            sb.append(c);
        }
    }
}
