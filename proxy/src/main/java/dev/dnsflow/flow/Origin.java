package dev.dnsflow.flow;

/**
 * Who really asked, when the sender (CoreDNS, dnsdist) said so in band. {@code source} is
 * {@code edns0-local}, {@code ecs}, {@code proxy-v2} or (from CoreDNS's dnstap) {@code dnstap}; fields
 * the source did not carry are null ({@code port} 0). {@code prefix} is set for ECS: shorter than the
 * address means the origin is a subnet, not one host. {@code id} is the pod's own message ID, known only
 * once CoreDNS's dnstap is joined in: with it a flow holds all three IDs (pod → CoreDNS → dnsflow → upstream).
 */
public record Origin(String ip, int port, Transport transport, String source, String pod, String namespace,
                     Integer prefix, Integer id) {

    /** An origin without the pod's own message ID (only CoreDNS's dnstap carries that). */
    public Origin(String ip, int port, Transport transport, String source, String pod, String namespace, Integer prefix) {
        this(ip, port, transport, source, pod, namespace, prefix, null);
    }

    /** The same origin, now also knowing the pod's original message ID. */
    public Origin withId(Integer podId) {
        return new Origin(ip, port, transport, source, pod, namespace, prefix, podId);
    }

    public boolean isSubnet() {
        return prefix != null && prefix < (ip.contains(":") ? 128 : 32);
    }
}
