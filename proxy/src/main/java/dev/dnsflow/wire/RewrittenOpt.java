package dev.dnsflow.wire;

/**
 * The OPT record of query bytes that a stage rewrote in place before they go upstream (the context
 * stage strips client context options). Immutable: the received query's {@link ParsedQuery} stays
 * as it was, and this says what the rewritten bytes carry.
 */
public record RewrittenOpt(boolean edns, int udpSize, boolean dnssecOk, int optStart, int optRdata, int optRdLength)
        implements OptView {
    /** The whole OPT record was removed: a plain DNS query, 512 bytes (RFC 6891 6.2.5). Shared, so free. */
    public static final RewrittenOpt REMOVED = new RewrittenOpt(false, 512, false, 0, 0, 0);

    /**
     * {@code opt} with its RDATA cut to {@code rdLength} bytes (options removed, the rest moved down).
     * Allocates, but only for a query that had options stripped and others kept.
     */
    public static RewrittenOpt shrunk(OptView opt, int rdLength) {
        return new RewrittenOpt(opt.edns(), opt.udpSize(), opt.dnssecOk(), opt.optStart(), opt.optRdata(), rdLength);
    }
}
