package dev.dnsflow.sidecar;

/**
 * Why the dnstap listener closed a producer's connection; the {@code reason} label of
 * {@code dnsflow_dnstap_in_connections_rejected_total}.
 */
enum ProducerRejection {
    /** All connection slots were taken ({@code --dnstap-max-connections}). */
    LIMIT("limit"),
    /** No READY → ACCEPT → START within the handshake timeout. */
    HANDSHAKE_TIMEOUT("handshake_timeout"),
    /** A data frame longer than the receiver takes. */
    OVERSIZED("oversized"),
    /** Not Frame Streams for dnstap: bad control frame, another content type, READY after START. */
    PROTOCOL("protocol");

    private final String label;

    ProducerRejection(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
