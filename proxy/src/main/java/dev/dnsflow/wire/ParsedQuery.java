package dev.dnsflow.wire;

/**
 * What {@link QueryParser} learned about a client query, as it arrived. Filled once by the parser on
 * the event loop (the fields are package-private: nothing outside {@code wire} can write them), so
 * parsing allocates nothing; later stages may rewrite the query's bytes for upstream, but never this
 * (a rewritten OPT is described apart, by a {@link RewrittenOpt}). Offsets are relative to the message
 * start.
 */
public final class ParsedQuery implements OptView {
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

    Verdict verdict;
    String problem;
    int id;
    int flags;
    int size;
    int questionEnd;
    int nameEnd;
    int qtype;
    int qclass;
    boolean edns;
    int udpSize = 512;
    boolean dnssecOk;
    int optStart;
    int optRdata;
    int optRdLength;

    public Verdict verdict() {
        return verdict;
    }

    /** Why the query was dropped or refused, for counters; null when the verdict is OK. */
    public String problem() {
        return problem;
    }

    public int id() {
        return id;
    }

    public int flags() {
        return flags;
    }

    /** The message's length in bytes, as received. */
    public int size() {
        return size;
    }

    /** Offset one past QCLASS, or 0 when the question could not be read. */
    public int questionEnd() {
        return questionEnd;
    }

    /** Offset one past the name (QTYPE starts here), or 0. */
    public int nameEnd() {
        return nameEnd;
    }

    public int qtype() {
        return qtype;
    }

    public int qclass() {
        return qclass;
    }

    @Override
    public boolean edns() {
        return edns;
    }

    /** The requester's UDP payload size: from OPT, or 512 without one (RFC 6891 6.2.5). */
    @Override
    public int udpSize() {
        return udpSize;
    }

    @Override
    public boolean dnssecOk() {
        return dnssecOk;
    }

    /** Offset of the OPT record (its root owner byte), or 0 without one. */
    @Override
    public int optStart() {
        return optStart;
    }

    /** Offset of the OPT record's RDATA (its EDNS options), or 0 without one. */
    @Override
    public int optRdata() {
        return optRdata;
    }

    @Override
    public int optRdLength() {
        return optRdLength;
    }

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
