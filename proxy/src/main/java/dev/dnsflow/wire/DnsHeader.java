package dev.dnsflow.wire;

import io.netty.buffer.ByteBuf;

/**
 * The 12-byte DNS header (RFC 1035 4.1.1), read and patched in place on the buffer that carries
 * the message. Offsets are relative to the buffer's reader index so slices and frames work alike.
 */
public final class DnsHeader {
    public static final int SIZE = 12;

    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int FLAG_AD = 0x0020;
    public static final int FLAG_CD = 0x0010;

    public static final int OPCODE_QUERY = 0;

    private DnsHeader() {
    }

    public static int id(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex());
    }

    /** Rewrites the message ID: the only byte change dnsflow makes to a forwarded message. */
    public static void setId(ByteBuf m, int id) {
        m.setShort(m.readerIndex(), id);
    }

    public static int flags(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 2);
    }

    public static void setFlags(ByteBuf m, int flags) {
        m.setShort(m.readerIndex() + 2, flags);
    }

    public static boolean isResponse(ByteBuf m) {
        return (flags(m) & FLAG_QR) != 0;
    }

    public static boolean isTruncated(ByteBuf m) {
        return (flags(m) & FLAG_TC) != 0;
    }

    public static int opcode(int flags) {
        return (flags >>> 11) & 0xF;
    }

    public static int rcode(ByteBuf m) {
        return flags(m) & 0xF;
    }

    public static int qdCount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 4);
    }

    public static int anCount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 6);
    }

    public static int nsCount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 8);
    }

    public static int arCount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 10);
    }
}
