package dev.dnsflow.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Responses dnsflow writes itself: error answers to a query, and truncation to a size limit. */
public final class Responses {
    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;

    private Responses() {
    }

    /**
     * An answer with {@code rcode} to {@code query}: its header (ID, opcode, RD, CD kept) and, when
     * it could be parsed, its question echoed exactly, no records. A query too short for a header
     * gets a bare header carrying its ID.
     */
    public static ByteBuf error(ByteBufAllocator alloc, ByteBuf query, ParsedQuery parsed, int rcode) {
        int questionEnd = parsed.hasQuestion() ? parsed.questionEnd() : DnsHeader.SIZE;
        ByteBuf out = alloc.buffer(questionEnd);
        out.writeShort(parsed.id());
        int keep = parsed.flags() & (0x7800 | DnsHeader.FLAG_RD | DnsHeader.FLAG_CD);
        out.writeShort(DnsHeader.FLAG_QR | keep | (parsed.recursionDesired() ? DnsHeader.FLAG_RA : 0) | rcode);
        out.writeShort(parsed.hasQuestion() ? 1 : 0);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(0);
        if (parsed.hasQuestion()) {
            out.writeBytes(query, query.readerIndex() + DnsHeader.SIZE, questionEnd - DnsHeader.SIZE);
        }
        return out;
    }

    /**
     * Cuts a response that is larger than the requester can take down to header and question, with
     * TC set, so the requester retries over TCP (RFC 1035 4.2.1, RFC 6891 7). Works in place.
     */
    public static void truncate(ByteBuf response, int questionEnd) {
        int base = response.readerIndex();
        DnsHeader.setFlags(response, DnsHeader.flags(response) | DnsHeader.FLAG_TC);
        response.setShort(base + 6, 0);
        response.setShort(base + 8, 0);
        response.setShort(base + 10, 0);
        response.writerIndex(base + questionEnd);
    }
}
