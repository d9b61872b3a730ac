package dev.dnsflow.k8s.install;

import java.util.List;

/**
 * Points a Corefile at the sidecar (forward to dnsflow, dnstap to its socket, the rewrite rules that carry the client).
 * The command line implements it with its Corefile patcher; this module only needs the answer.
 */
@FunctionalInterface
public interface CorefileRewriter {
    /** The dnstap socket as the sidecar manifest mounts it into both containers. */
    String DNSTAP_SOCKET = "unix:///var/run/dnsflow/dnstap.sock";

    /**
     * @param name how messages name the Corefile ({@code ConfigMap kube-system/coredns})
     * @param corednsVersion CoreDNS's version from its image ({@code 1.11.3}), or null when unknown
     * @throws IllegalStateException (or a subclass) when the Corefile cannot be patched safely; the message says why
     */
    Rewrite rewrite(String corefile, String name, String corednsVersion);

    /**
     * @param text the Corefile pointing at dnsflow (the same text when it already did)
     * @param upstreams where the redirected forwards went before, as written there ({@code /etc/resolv.conf},
     *     {@code 8.8.8.8}, {@code tls://...}); empty when the Corefile already pointed at dnsflow
     * @param changes what changed, one sentence each
     * @param warnings what the user should check
     */
    record Rewrite(String text, boolean changed, List<String> upstreams, List<String> changes, List<String> warnings) {
    }
}
