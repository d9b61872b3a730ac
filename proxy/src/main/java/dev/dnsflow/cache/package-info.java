/**
 * {@code cache} (CoreDNS's {@code cache}, NodeLocal DNSCache's values): answers from memory. Runs after chaos
 * and minimal, before forward, so a hit never reaches an upstream and chaos rules still apply to it.
 * <pre>
 * --cache                                  off unless given (dnsflow nodelocal: on)
 * --cache-success CAP:TTL                  9984:30s
 * --cache-denial CAP:TTL                   9984:5s
 * --cache-prefetch[=AMOUNT:DURATION:PERCENT]  off; alone 10:1m:10%
 * --serve-stale DURATION                   off
 * </pre>
 * Key: the question's name lower-cased, its type and class, the DO and CD bits. Success and denial parts,
 * each bounded (Caffeine, W-TinyLFU) and with its TTL cap; every entry kept at least 5 s (or its cap);
 * negative answers for min(SOA TTL, SOA MINIMUM) (RFC 2308) and not without a SOA; SERVFAIL for 5 s; truncated
 * answers, other rcodes and answers to queries that carry ECS upstream never. A hit carries the client's ID,
 * the question's case, and every TTL set to the entry's TTL left (whole seconds in cache subtracted, never
 * rising); it makes no upstream attempt. Prefetch: a popular entry near expiry is refreshed by the query that
 * finds it due, which goes upstream; should that fail the client still gets the entry. Serve-stale (RFC 8767):
 * when every attempt failed (or the upstream said SERVFAIL) an entry expired less than DURATION ago answers,
 * with TTL 30 s (at most its part's cap).
 *
 * <p>Flows: {@code "cache": {"result": "hit|miss|prefetch|stale", "ttl_left": N}}; none when the query passed
 * by (ECS, no question). Metrics: {@code dnsflow_cache_hits_total{kind}}, {@code dnsflow_cache_misses_total},
 * {@code dnsflow_cache_entries{kind}}, {@code dnsflow_cache_evictions_total}, {@code dnsflow_cache_prefetch_total},
 * {@code dnsflow_cache_stale_total}.
 */
package dev.dnsflow.cache;
