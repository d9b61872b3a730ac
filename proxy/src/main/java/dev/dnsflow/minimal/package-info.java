/**
 * {@code minimal} (CoreDNS's {@code minimal}): smaller answers. An answer with records in its answer
 * section (NOERROR) goes to the client with its authority and additional sections removed, keeping
 * only the OPT record; NXDOMAIN, NODATA (no answer records) and referrals keep theirs, so a resolver
 * can cache a negative answer by its SOA. As in CoreDNS, a CNAME chain ending in no data counts as an
 * answer, and DNSSEC denial proofs in authority go too: not for validating clients.
 * <pre>
 * --minimal-responses    off unless given
 * </pre>
 * Metrics: none of its own; the flow records the answer as sent.
 */
package dev.dnsflow.minimal;
