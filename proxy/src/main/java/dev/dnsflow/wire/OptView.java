package dev.dnsflow.wire;

/**
 * A query's OPT record (RFC 6891): whether there is one, what it advertises, and where it sits in the
 * message's bytes. {@link ParsedQuery} is the OPT as the query arrived; a {@link RewrittenOpt} is the
 * OPT of bytes a stage rewrote before they go upstream.
 */
public interface OptView {
    /** Whether the message carries an OPT record. */
    boolean edns();

    /** The UDP payload size the message advertises: from OPT, or 512 without one (RFC 6891 6.2.5). */
    int udpSize();

    boolean dnssecOk();

    /** Offset of the OPT record (its root owner byte), or 0 without one. */
    int optStart();

    /** Offset of the OPT record's RDATA (its EDNS options), or 0 without one. */
    int optRdata();

    /** Length of the OPT record's RDATA, or 0 without one. */
    int optRdLength();
}
