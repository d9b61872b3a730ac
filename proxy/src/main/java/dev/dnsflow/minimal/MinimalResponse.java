package dev.dnsflow.minimal;

import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import io.netty.buffer.ByteBuf;

/** The byte work: cuts a successful answer after its answer section and moves its OPT record up, in place. */
final class MinimalResponse {
    private static final int TYPE_OPT = 41;
    private static final int RR_FIXED = 10; // type, class, TTL, RDLENGTH

    private MinimalResponse() {
    }

    /** Trims {@code m} if it is a successful answer with anything beyond its answers; anything unreadable is left alone. */
    static void trim(ByteBuf m) {
        int base = m.readerIndex();
        int limit = m.writerIndex();
        int answers = DnsHeader.anCount(m);
        int authority = DnsHeader.nsCount(m);
        int additional = DnsHeader.arCount(m);
        if (DnsHeader.rcode(m) != 0 || answers == 0 || authority + additional == 0 || DnsHeader.qdCount(m) != 1) {
            return;
        }
        int pos = Names.skip(m, base, base + DnsHeader.SIZE, limit);
        if (pos == Names.INVALID || pos + 4 > limit) {
            return;
        }
        int answersEnd = skipRecords(m, base, pos + 4, limit, answers);
        pos = skipRecords(m, base, answersEnd, limit, authority);
        int optStart = -1;
        int optEnd = -1;
        for (int i = 0; i < additional && pos >= 0; i++) {
            int end = recordEnd(m, base, pos, limit);
            if (end >= 0 && m.getByte(pos) == 0 && m.getUnsignedShort(pos + 1) == TYPE_OPT) { // OPT's owner is the root
                optStart = pos;
                optEnd = end;
            }
            pos = end;
        }
        if (pos < 0) {
            return; // a record runs past the end: not ours to rewrite
        }
        int length = optStart < 0 ? 0 : optEnd - optStart;
        for (int i = 0; i < length; i++) {
            m.setByte(answersEnd + i, m.getByte(optStart + i)); // moves down: a forward copy is safe
        }
        m.writerIndex(answersEnd + length);
        m.setShort(base + 8, 0);
        m.setShort(base + 10, length == 0 ? 0 : 1);
    }

    /** The offset after {@code count} records from {@code pos}, or -1. */
    private static int skipRecords(ByteBuf m, int base, int pos, int limit, int count) {
        for (int i = 0; i < count && pos >= 0; i++) {
            pos = recordEnd(m, base, pos, limit);
        }
        return pos;
    }

    /** The offset after the record at {@code pos}, or -1 when it does not fit. */
    private static int recordEnd(ByteBuf m, int base, int pos, int limit) {
        if (pos < 0) {
            return -1;
        }
        int nameEnd = Names.skip(m, base, pos, limit);
        if (nameEnd == Names.INVALID || nameEnd + RR_FIXED > limit) {
            return -1;
        }
        int end = nameEnd + RR_FIXED + m.getUnsignedShort(nameEnd + 8);
        return end > limit ? -1 : end;
    }
}
