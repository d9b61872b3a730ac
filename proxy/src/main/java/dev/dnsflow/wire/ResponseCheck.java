package dev.dnsflow.wire;

import io.netty.buffer.ByteBuf;

/**
 * Decides whether an upstream reply answers the query we sent (dnsdist's rule: QR set, exactly one
 * question, and name, type and class equal to ours). The caller has already matched the source
 * address and the ID. Anything else is non-compliant and the query keeps waiting.
 *
 * <p>One exception, also dnsdist's: an error reply with no question at all (qdcount 0 and an rcode
 * other than NOERROR or NXDOMAIN) is the upstream's answer. Servers answer a query they cannot
 * parse (a FORMERR, a NOTIMP) without echoing its question; taking that for silence would turn the
 * upstream's refusal into a timeout and mark a healthy upstream down.
 */
public final class ResponseCheck {
    /** Non-compliance reasons; the names are metric label values. */
    public static final String OK = null;
    public static final String MALFORMED = "malformed";
    public static final String NOT_RESPONSE = "not_response";
    public static final String QUESTION_MISMATCH = "question_mismatch";

    private ResponseCheck() {
    }

    /**
     * @param query    the query as sent; its question spans [12, questionEnd) from its reader index
     * @return null when the response is acceptable, else the reason it is not
     */
    public static String check(ByteBuf response, ByteBuf query, int questionEnd) {
        int size = response.readableBytes();
        if (size < DnsHeader.SIZE) {
            return MALFORMED;
        }
        if (!DnsHeader.isResponse(response)) {
            return NOT_RESPONSE;
        }
        if (isQuestionlessError(response)) {
            return OK;
        }
        if (size < questionEnd) {
            return QUESTION_MISMATCH;
        }
        if (DnsHeader.qdCount(response) != 1) {
            return QUESTION_MISMATCH;
        }
        int r = response.readerIndex() + DnsHeader.SIZE;
        int q = query.readerIndex() + DnsHeader.SIZE;
        int nameLength = questionEnd - DnsHeader.SIZE - 4;
        // Names compare without case (RFC 4343); because labels are length-prefixed, a match of the
        // query's name bytes means the response's name ends at the same place. Type and class must
        // match exactly.
        if (!Names.equalsIgnoreCase(response, r, query, q, nameLength)
                || response.getInt(r + nameLength) != query.getInt(q + nameLength)) {
            return QUESTION_MISMATCH;
        }
        return OK;
    }

    /** An error reply that carries no question (see the class comment). */
    static boolean isQuestionlessError(ByteBuf response) {
        int rcode = DnsHeader.rcode(response);
        return DnsHeader.qdCount(response) == 0 && rcode != Responses.NOERROR && rcode != Responses.NXDOMAIN;
    }
}
