package dev.dnsflow.cli;

import dev.dnsflow.context.ContextOptions;
import dev.dnsflow.corefile.CorefilePatcher;
import dev.dnsflow.corefile.CorefileSnippet;
import dev.dnsflow.k8s.install.CorefileRewriter;

/**
 * The Corefile as {@code dnsflow install} patches it: forward to the sidecar on 127.0.0.1:5353, dnstap to its socket in
 * the shared directory (with the client in dnstap's extra field when CoreDNS is new enough), the default rewrite rules.
 */
final class SidecarCorefile implements CorefileRewriter {
    @Override
    public Rewrite rewrite(String corefile, String name, String corednsVersion) {
        boolean extra = corednsVersion != null && atLeast(corednsVersion, CorefileSnippet.DNSTAP_EXTRA_SINCE);
        CorefileSnippet snippet = new CorefileSnippet(ContextOptions.defaults(), CorefileSnippet.DEFAULT_LISTEN, false, DNSTAP_SOCKET,
                extra);
        CorefilePatcher.Result r = CorefilePatcher.patch(corefile, name, snippet, false);
        return new Rewrite(r.text(), r.changed(), r.upstreams(), r.changes(), r.warnings());
    }

    /** {@code 1.11.3} against {@code 1.11.2}, part by part. */
    static boolean atLeast(String version, String minimum) {
        String[] v = version.split("\\.");
        String[] m = minimum.split("\\.");
        for (int i = 0; i < m.length; i++) {
            int a = i < v.length ? Integer.parseInt(v[i]) : 0;
            int b = Integer.parseInt(m[i]);
            if (a != b) {
                return a > b;
            }
        }
        return true;
    }
}
