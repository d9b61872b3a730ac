package dev.dnsflow.flow;

/**
 * Who really asked, when the sender (CoreDNS, dnsdist) said so in band. {@code source} is
 * {@code edns0-local}, {@code ecs}, {@code proxy-v2} or (from CoreDNS's dnstap) {@code dnstap}; fields
 * the source did not carry are null ({@code port} 0). {@code prefix} is set for ECS: shorter than the
 * address means the origin is a subnet, not one host.
 */
public record Origin(String ip, int port, Transport transport, String source, String pod, String namespace,
                     Integer prefix) {

    public boolean isSubnet() {
        return prefix != null && prefix < (ip.contains(":") ? 128 : 32);
    }
}
