package dev.dnsflow.corefile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodelocalCorefileTest {
    static final Map<String, String> ENV = Map.of("KUBE_DNS_UPSTREAM_SERVICE_HOST", "10.96.0.11");

    static String template() throws IOException {
        try (InputStream in = NodelocalCorefileTest.class.getResourceAsStream("/nodelocal/Corefile")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static NodelocalCorefile.Setup read(String text) {
        return NodelocalCorefile.read(text, "Corefile",
                NodelocalCorefile.pillars(ENV, "169.254.20.10,10.96.0.10", "kube-dns-upstream", "cluster.local"));
    }

    @Test
    void readsTheShippedTemplateAsNodeCacheFillsIt() throws IOException {
        NodelocalCorefile.Setup s = read(template());
        assertThat(s.bind()).containsExactly("169.254.20.10", "10.96.0.10");
        assertThat(s.port()).isEqualTo(53);
        assertThat(s.zones()).extracting(NodelocalCorefile.Zone::zone)
                .containsExactly("cluster.local", "in-addr.arpa", "ip6.arpa", ".");
        assertThat(s.zones().get(0).to()).containsExactly("10.96.0.11");
        assertThat(s.zones().get(0).forceTcp()).isTrue();
        assertThat(s.zones().get(3).to()).containsExactly("/etc/resolv.conf");
        assertThat(s.zones().get(3).forceTcp()).isFalse();
        assertThat(s.health()).isEqualTo("169.254.20.10:8080");
        assertThat(s.metrics()).isEqualTo("0.0.0.0:9253");
        assertThat(s.success().flagValue()).isEqualTo("9984:30s");
        assertThat(s.denial().flagValue()).isEqualTo("9984:5s");
        assertThat(s.log()).isFalse();
        assertThat(s.notices()).containsExactly("one cache serves every zone: success 9984:30s, denial 9984:5s as "
                + "cluster.local:53 asks; in-addr.arpa:53 (line 18) asks success 9984:30s, denial 9984:30s; ip6.arpa:53 "
                + "(line 29) asks success 9984:30s, denial 9984:30s; .:53 (line 40) asks success 9984:30s, denial 9984:30s",
                "reload: the Corefile is read once at start; restart the pod (a DaemonSet rollout) to apply a change");
    }

    @Test
    void refusesAnUnsupportedPluginByNameWithItsLine() throws IOException {
        String text = template().replace("    loop\n    bind", "    loop\n    rewrite name foo.example.com bar.example.com\n    bind");
        assertThatThrownBy(() -> read(text)).isInstanceOf(CorefileException.class)
                .hasMessageContaining("line 9").hasMessageContaining("plugin 'rewrite' is not supported");
    }

    @Test
    void refusesUnsupportedOptionsByName() throws IOException {
        assertThatThrownBy(() -> read(template().replace("force_tcp", "prefer_udp")))
                .hasMessageContaining("forward option 'prefer_udp'");
        assertThatThrownBy(() -> read(template().replace("denial 9984 5", "prefetch 10")))
                .hasMessageContaining("cache option 'prefetch'");
    }

    @Test
    void aMissingUpstreamServiceVariableIsNamed() throws IOException {
        String t = template();
        assertThatThrownBy(() -> NodelocalCorefile.read(t, "Corefile",
                NodelocalCorefile.pillars(Map.of(), "169.254.20.10", "kube-dns-upstream", "cluster.local")))
                .hasMessageContaining("KUBE_DNS_UPSTREAM_SERVICE_HOST");
        assertThatThrownBy(() -> NodelocalCorefile.read(t, "Corefile",
                NodelocalCorefile.pillars(ENV, null, "kube-dns-upstream", "cluster.local")))
                .hasMessageContaining("--localip");
        assertThatThrownBy(() -> read(t + "\n__PILLAR__SOMETHING__ELSE__:53 {\n forward . 1.1.1.1\n}\n"))
                .hasMessageContaining("unknown placeholder __PILLAR__SOMETHING__ELSE__");
    }

    @Test
    void logAndExplicitZonesOfForward() {
        NodelocalCorefile.Setup s = read(".:53 {\n bind 127.0.0.1\n log\n forward consul. dns://10.0.0.5:8600\n"
                + " forward . 10.0.0.2 10.0.0.3\n}\n");
        assertThat(s.log()).isTrue();
        assertThat(s.zones()).extracting(NodelocalCorefile.Zone::zone).containsExactly("consul.", ".");
        assertThat(s.zones().get(0).to()).isEqualTo(List.of("10.0.0.5:8600"));
        assertThat(s.success()).isNull();
        assertThat(s.health()).isNull();
    }
}
