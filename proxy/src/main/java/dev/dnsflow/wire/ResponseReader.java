package dev.dnsflow.wire;

import dev.dnsflow.flow.FlowResponse;
import io.netty.buffer.ByteBuf;

/**
 * Reads the few facts a flow keeps about a response: rcode, answer count, truncation, size, and
 * the A/AAAA addresses of the answer section as raw bytes (formatted later, off the event loop).
 */
public final class ResponseReader {
    private static final byte[] NONE = new byte[0];
    private static final int TYPE_A = 1;
    private static final int TYPE_AAAA = 28;

    private ResponseReader() {
    }

    /** @param questionEnd where the answer section starts, relative to the message start */
    public static FlowResponse summarize(ByteBuf m, int questionEnd) {
        int base = m.readerIndex();
        int limit = m.writerIndex();
        int answers = DnsHeader.anCount(m);
        return new FlowResponse(DnsHeader.rcode(m), answers, limit - base, DnsHeader.isTruncated(m),
                addresses(m, base, base + questionEnd, limit, answers));
    }

    /**
     * The A/AAAA addresses of {@code m}'s answer section, as {@link FlowResponse#rawAddresses} holds them: read once
     * when an answer is kept (the cache), so that each time it is sent {@link #summarize(ByteBuf, byte[])} needs
     * no parse. The array is shared by every summary made from it and never changed.
     */
    public static byte[] addresses(ByteBuf m, int questionEnd) {
        int base = m.readerIndex();
        return addresses(m, base, base + questionEnd, m.writerIndex(), DnsHeader.anCount(m));
    }

    /** The summary of {@code m}, whose answer section's {@link #addresses} are already known: header reads only. */
    public static FlowResponse summarize(ByteBuf m, byte[] addresses) {
        return new FlowResponse(DnsHeader.rcode(m), DnsHeader.anCount(m), m.readableBytes(), DnsHeader.isTruncated(m),
                addresses);
    }

    private static byte[] addresses(ByteBuf m, int base, int offset, int limit, int answers) {
        byte[] out = NONE;
        int used = 0;
        int pos = offset;
        for (int i = 0; i < answers; i++) {
            int nameEnd = Names.skip(m, base, pos, limit);
            if (nameEnd == Names.INVALID || nameEnd + 10 > limit) {
                break;
            }
            int type = m.getUnsignedShort(nameEnd);
            int rdLength = m.getUnsignedShort(nameEnd + 8);
            int rdata = nameEnd + 10;
            if (rdata + rdLength > limit) {
                break;
            }
            if ((type == TYPE_A && rdLength == 4) || (type == TYPE_AAAA && rdLength == 16)) {
                if (used + 1 + rdLength > out.length) {
                    // Sized for exactly one address first: most answers have one, and then no copy is needed.
                    byte[] bigger = new byte[out.length == 0 ? 1 + rdLength : Math.max(64, out.length * 2)];
                    System.arraycopy(out, 0, bigger, 0, used);
                    out = bigger;
                }
                out[used++] = (byte) rdLength;
                m.getBytes(rdata, out, used, rdLength);
                used += rdLength;
            }
            pos = rdata + rdLength;
        }
        if (used == out.length) {
            return out;
        }
        byte[] exact = new byte[used];
        System.arraycopy(out, 0, exact, 0, used);
        return exact;
    }
}
