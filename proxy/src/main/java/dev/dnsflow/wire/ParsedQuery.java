package dev.dnsflow.wire;

/**
 * What {@link QueryParser} learned about a client query. Plain mutable fields: one instance lives
 * in each exchange and is filled once on the event loop, so parsing allocates nothing.
 * Offsets are relative to the message start.
 */
public final class ParsedQuery {
    /** How the query must be handled. */
    public enum Verdict {
        /** A well-formed standard query with exactly one question. */
        OK,
        /** Not even an ID can be read, or it is a response (QR=1): drop it without answering. */
        DROP,
        /** Malformed but the ID is readable: answer FORMERR. */
        FORMERR,
        /** A well-formed message with an opcode other than QUERY: answer NOTIMP. */
        NOTIMP
    }

    public Verdict verdict;
    /** Why the query was dropped or refused, for counters; null when the verdict is OK. */
    public String problem;
    public int id;
    public int flags;
    public int size;
    /** Offset one past QCLASS, or 0 when the question could not be read. */
    public int questionEnd;
    /** Offset one past the name (QTYPE starts here), or 0. */
    public int nameEnd;
    public int qtype;
    public int qclass;
    public boolean edns;
    /** The requester's UDP payload size: from OPT, or 512 without one (RFC 6891 6.2.5). */
    public int udpSize = 512;
    public boolean dnssecOk;
    /** Offset of the OPT record (its root owner byte), or 0 without one. */
    public int optStart;
    /** Offset of the OPT record's RDATA (its EDNS options) and the RDATA's length. */
    public int optRdata;
    public int optRdLength;

    public boolean hasQuestion() {
        return questionEnd > 0;
    }

    public boolean recursionDesired() {
        return (flags & DnsHeader.FLAG_RD) != 0;
    }

    public boolean checkingDisabled() {
        return (flags & DnsHeader.FLAG_CD) != 0;
    }

    /** The EDNS0 size as the requester sent it, or 0 without OPT (what the flow shows). */
    public int advertisedEdnsSize() {
        return edns ? udpSize : 0;
    }
}
