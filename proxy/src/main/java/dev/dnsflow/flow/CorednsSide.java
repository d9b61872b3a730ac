package dev.dnsflow.flow;

/**
 * What CoreDNS's own dnstap said about the query (the sidecar joins it in): when CoreDNS received the
 * pod's query and answered it, with which rcode, how long it took there, and whether it forwarded it
 * to dnsflow at all. {@code responded} is 0 and {@code rcode} -1 when CoreDNS never answered.
 */
public record CorednsSide(long receivedEpochNanos, long respondedEpochNanos, int rcode, long durationMicros,
                          boolean forwarded) {
}
