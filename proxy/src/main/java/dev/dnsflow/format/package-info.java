/**
 * format — answer what cannot be forwarded: FORMERR for malformed queries (when an ID can be read),
 * NOTIMP for opcodes other than QUERY. Messages without a readable ID, and responses sent to us as
 * queries, are dropped by the frontends before the chain (server's QueryIntake).
 *
 * <p>Metrics: {@code dnsflow_malformed_total{transport}}, {@code dnsflow_drops_total{reason}}
 * (too_short, response_as_query).
 */
package dev.dnsflow.format;
