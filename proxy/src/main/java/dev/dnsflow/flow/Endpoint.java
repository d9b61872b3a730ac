package dev.dnsflow.flow;

/** The sender of a query as dnsflow saw it: CoreDNS in the sidecar setup. */
public record Endpoint(String ip, int port, Transport transport) {
}
