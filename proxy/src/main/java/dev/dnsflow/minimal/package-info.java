/**
 * {@code minimal} (CoreDNS's {@code minimal}): smaller answers. A successful answer (NOERROR with
 * records in the answer section) goes to the client with its authority and additional sections
 * removed, keeping only the OPT record; negative answers and referrals keep theirs (a resolver needs
 * the SOA to cache a negative answer).
 * <pre>
 * --minimal-responses    off unless given
 * </pre>
 * Metrics: none of its own; the flow records the answer as sent.
 */
package dev.dnsflow.minimal;
