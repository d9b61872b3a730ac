/**
 * acl — serve only allowed clients (mirrors CoreDNS's {@code acl}).
 *
 * <p>Syntax: {@code --allow CIDR[,CIDR...]}; default loopback, RFC 1918, link-local and ULA.
 * Others get REFUSED; their malformed input is dropped without an answer.
 * Metrics: {@code dnsflow_refused_total{reason="acl"}}, {@code dnsflow_drops_total{reason="acl_malformed"}}.
 */
package dev.dnsflow.acl;
