/**
 * forward — send each query to an upstream and relay the answer (mirrors CoreDNS's {@code forward}).
 *
 * <h2>Syntax</h2>
 * <pre>
 * dnsflow proxy --upstream HOST[:PORT] ... [--policy random|round_robin|sequential]
 *               [--timeout 700ms] [--deadline 1800ms] [--attempts N] [--tcp-on-truncation]
 *               [--max-fails 3] [--health-check 500ms] [--sockets-per-upstream 2] [--socket-max-age 60s]
 *               [--zone ZONE=HOST[:PORT][,HOST[:PORT]...][/tcp] ...]
 * </pre>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>Raw bytes are forwarded; only the 2-byte ID is rewritten, to one drawn at random from the
 *       free IDs of the socket or connection used ({@link dev.dnsflow.forward.IdSpace}).</li>
 *   <li>A reply is accepted only from the upstream's address and port, for a live ID, with QR set and
 *       the same question; anything else is counted and the attempt keeps waiting. The exception
 *       (dnsdist's): an error reply with no question (not NOERROR or NXDOMAIN) is the upstream's answer,
 *       and the client gets that rcode with its question echoed.</li>
 *   <li>Each attempt waits {@code --timeout}; then the next upstream (by policy, healthy ones first) is
 *       tried, up to {@code --attempts}; SERVFAIL goes out before {@code --deadline} in any case.</li>
 *   <li>Clients' transport is kept (UDP→UDP, TCP→TCP, TCP connections reused and pipelined). A UDP answer
 *       with TC=1 goes back as is unless {@code --tcp-on-truncation}. Queries advertising more than
 *       4096 bytes of EDNS buffer are forwarded over TCP (batched UDP reads hold 4096 bytes).</li>
 *   <li>An upstream is down after {@code --max-fails} consecutive failures and probed with
 *       {@code . IN NS} every {@code --health-check} until it answers; with all down, one is still tried.</li>
 *   <li>UDP sockets are replaced after {@code --socket-max-age} and after a timeout (stale conntrack).</li>
 *   <li>{@code --zone}: the longest zone containing the query's name (whole labels, ASCII case ignored, matched on
 *       the wire name: {@link dev.dnsflow.forward.ZoneMatcher}) picks the upstreams, with their own attempts, policy and
 *       sockets; {@code /tcp} sends every attempt over TCP. A server named in several zones keeps one health and one
 *       set of metrics.</li>
 * </ul>
 *
 * <h2>Metrics</h2>
 * {@code dnsflow_upstream_requests_total{upstream,transport}}, {@code dnsflow_upstream_responses_total{upstream,rcode}},
 * {@code dnsflow_upstream_timeouts_total{upstream}}, {@code dnsflow_upstream_noncompliant_total{upstream,reason}}
 * (wrong_source, unknown_id, not_response, question_mismatch, malformed),
 * {@code dnsflow_upstream_errors_total{upstream,reason}} (id_exhausted, udp_unavailable, tcp_connect, tcp_closed,
 * tcp_retired: a TCP connection taken out of use after an attempt on it timed out, once per connection, …),
 * {@code dnsflow_upstream_healthy{upstream}}, {@code dnsflow_upstream_inflight{upstream}}.
 */
package dev.dnsflow.forward;
