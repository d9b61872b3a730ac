package dev.dnsflow.flow;

import java.util.Locale;

/**
 * How a client query ended, from the client's point of view. {@code answered} means the client got
 * the upstream's answer, whatever its rcode; the others are answers dnsflow wrote itself.
 */
public enum Outcome {
    /** The upstream's answer was relayed (any rcode, possibly truncated to fit). */
    ANSWERED,
    /** Every attempt failed or the deadline passed: dnsflow answered SERVFAIL. */
    SERVFAIL,
    /** The client is outside the allowed ranges: dnsflow answered REFUSED. */
    REFUSED,
    /** The query was malformed: dnsflow answered FORMERR. */
    FORMERR,
    /** The opcode is not QUERY: dnsflow answered NOTIMP. */
    NOTIMP,
    /** A chaos rule dropped the query: no answer, nothing sent upstream. */
    CHAOS_DROP,
    /** A chaos rule answered with its rcode instead of asking upstream. */
    CHAOS_RCODE,
    /** A chaos rule answered with an empty truncated answer (TC=1) so the client retries over TCP. */
    CHAOS_TRUNCATE,
    /** A chaos rule let the query reach the upstream and discarded the answer: a lost reply. */
    CHAOS_UPSTREAM_DROP,
    /** (Sidecar) CoreDNS answered the pod itself — cache, kubernetes plugin — and never asked dnsflow. */
    ANSWERED_AT_COREDNS,
    /** (Sidecar) CoreDNS received the pod's query and never answered it within the join window. */
    UNANSWERED_AT_COREDNS;

    private final String json = name().toLowerCase(Locale.ROOT);

    public String json() {
        return json;
    }
}
