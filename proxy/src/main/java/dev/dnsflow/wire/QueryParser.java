package dev.dnsflow.wire;

import io.netty.buffer.ByteBuf;

/**
 * Reads only what forwarding needs from a client query: the header, the one question, and the OPT
 * record (for the requester's UDP size and the DO bit). Never throws on any input: hostile bytes
 * end in a {@link ParsedQuery.Verdict} other than OK.
 */
public final class QueryParser {
    /** The problem of a message too short to carry an ID: on a TCP stream, a sign the stream is garbage. */
    public static final String TOO_SHORT = "too_short";
    static final int TYPE_OPT = 41;
    private static final int MIN_OPT_UDP_SIZE = 512;

    private QueryParser() {
    }

    public static void parse(ByteBuf m, ParsedQuery out) {
        int base = m.readerIndex();
        int limit = m.writerIndex();
        out.size = limit - base;
        if (out.size < 2) {
            verdict(out, ParsedQuery.Verdict.DROP, TOO_SHORT);
            return;
        }
        out.id = DnsHeader.id(m);
        if (out.size < DnsHeader.SIZE) {
            verdict(out, ParsedQuery.Verdict.FORMERR, "short_header");
            return;
        }
        out.flags = DnsHeader.flags(m);
        if ((out.flags & DnsHeader.FLAG_QR) != 0) {
            verdict(out, ParsedQuery.Verdict.DROP, "response_as_query");
            return;
        }
        if (DnsHeader.qdCount(m) != 1) {
            verdict(out, ParsedQuery.Verdict.FORMERR, "qdcount");
            return;
        }
        int nameEnd = Names.skip(m, base, base + DnsHeader.SIZE, limit);
        if (nameEnd == Names.INVALID || nameEnd + 4 > limit) {
            verdict(out, ParsedQuery.Verdict.FORMERR, "bad_question");
            return;
        }
        out.nameEnd = nameEnd - base;
        out.qtype = m.getUnsignedShort(nameEnd);
        out.qclass = m.getUnsignedShort(nameEnd + 2);
        out.questionEnd = nameEnd + 4 - base;
        if ((out.flags & 0xF) != 0) {
            // RCODE is for responses; a query carrying one is malformed (and NSD answers it FORMERR
            // without the question, which an upstream must never be made to do on a client's behalf).
            verdict(out, ParsedQuery.Verdict.FORMERR, "rcode_in_query");
            return;
        }
        if (DnsHeader.opcode(out.flags) != DnsHeader.OPCODE_QUERY) {
            verdict(out, ParsedQuery.Verdict.NOTIMP, "opcode");
            return;
        }
        if (!readOpt(m, base, nameEnd + 4, limit, out)) {
            verdict(out, ParsedQuery.Verdict.FORMERR, "bad_records");
            return;
        }
        verdict(out, ParsedQuery.Verdict.OK, null);
    }

    private static void verdict(ParsedQuery out, ParsedQuery.Verdict verdict, String problem) {
        out.verdict = verdict;
        out.problem = problem;
    }

    /** Walks answer, authority and additional records; fills the EDNS fields from the one OPT. */
    private static boolean readOpt(ByteBuf m, int base, int offset, int limit, ParsedQuery out) {
        int records = DnsHeader.anCount(m) + DnsHeader.nsCount(m);
        int additional = DnsHeader.arCount(m);
        int pos = offset;
        for (int i = 0; i < records + additional; i++) {
            int nameEnd = Names.skip(m, base, pos, limit);
            if (nameEnd == Names.INVALID || nameEnd + 10 > limit) {
                return false;
            }
            int type = m.getUnsignedShort(nameEnd);
            int next = nameEnd + 10 + m.getUnsignedShort(nameEnd + 8);
            if (next > limit) {
                return false;
            }
            if (type == TYPE_OPT) {
                // RFC 6891 6.1.1: one OPT, owner is the root, and only in the additional section.
                if (out.edns || i < records || nameEnd != pos + 1) {
                    return false;
                }
                out.edns = true;
                out.optStart = pos - base;
                out.optRdata = nameEnd + 10 - base;
                out.optRdLength = next - (nameEnd + 10);
                out.udpSize = Math.max(MIN_OPT_UDP_SIZE, m.getUnsignedShort(nameEnd + 2));
                out.dnssecOk = (m.getUnsignedShort(nameEnd + 6) & 0x8000) != 0;
            }
            pos = next;
        }
        return true;
    }
}
