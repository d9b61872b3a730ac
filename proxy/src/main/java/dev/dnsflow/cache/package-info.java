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
 * Key: the question's name lower-cased, its type and class, the DO, CD and RD bits. Success and denial parts,
 * each bounded by CAP entries and 32 MiB ({@link dev.dnsflow.cache.ResponseCache#PART_BYTES}; Caffeine, W-TinyLFU)
 * and with its TTL cap; every entry kept at least 5 s (or its cap); negative answers for min(records' TTLs, SOA
 * TTL, SOA MINIMUM) (RFC 2308) and not without a SOA; SERVFAIL for 5 s; truncated answers, answers over 4096
 * bytes, other rcodes, OPTs with an extended rcode and answers to queries that carry ECS upstream never.
 * Entries are stored without the upstream's OPT. A hit carries the client's ID, RD and the question's case,
 * AD only for clients that sent DO or AD, an OPT of its own (UDP 1232, DO echoed, no options) only if the
 * client sent one, and every TTL set to the entry's TTL left (whole seconds in cache subtracted, never
 * rising); it makes no upstream attempt. Prefetch: the query that finds a popular entry near expiry is answered
 * from it at once, and a detached copy of the query goes upstream in the background (a flow of its own,
 * {@code refresh}, with the attempts and its own outcome; no client's query, so the name metrics, top by name or
 * asker and diagnose leave it out); only a storable answer
 * replaces the entry. Serve-stale (RFC 8767, like CoreDNS {@code verify}, not
 * {@code immediate}): when every attempt failed (or the upstream said SERVFAIL) an entry expired less than
 * DURATION ago answers, with TTL 30 s (at most its part's cap).
 *
 * <p>Flows: {@code "cache": {"result": "hit|miss|prefetch|stale|refresh", "ttl_left": N}}; none when the query passed
 * by (ECS, no question). Metrics: {@code dnsflow_cache_hits_total{kind}}, {@code dnsflow_cache_misses_total},
 * {@code dnsflow_cache_entries{kind}}, {@code dnsflow_cache_evictions_total}, {@code dnsflow_cache_prefetch_total},
 * {@code dnsflow_cache_stale_total}.
 */
package dev.dnsflow.cache;
