package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.handoff.HandOffPlugin;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NodelocalCommandTest {
    private static final Map<String, String> ENV = Map.of("KUBE_DNS_UPSTREAM_SERVICE_HOST", "10.96.0.11");

    @TempDir
    Path dir;

    private NodelocalCommand.Prepared prepare(Map<String, String> env, String... args) {
        NodelocalCommand command = new NodelocalCommand();
        new CommandLine(command).parseArgs(args);
        return command.prepare(env);
    }

    private Path resolvConf() throws IOException {
        return Files.writeString(dir.resolve("resolv.conf"), "search example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n");
    }

    private static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    @Test
    void theShippedCorefileStartsTheSameSetupAsTheFlags() throws IOException {
        Path corefile = dir.resolve("Corefile");
        try (var in = getClass().getResourceAsStream("/nodelocal/Corefile")) {
            Files.write(corefile, in.readAllBytes());
        }
        Path resolv = resolvConf();
        NodelocalCommand.Prepared fromFile = prepare(ENV, "--corefile", corefile.toString(),
                "--localip", "169.254.20.10,10.96.0.10", "--resolv-conf", resolv.toString());
        NodelocalCommand.Prepared fromFlags = prepare(Map.of(), "--listen", "169.254.20.10:53", "--listen", "10.96.0.10:53",
                "--zone", "cluster.local=10.96.0.11/tcp", "--zone", "in-addr.arpa=10.96.0.11/tcp",
                "--zone", "ip6.arpa=10.96.0.11/tcp", "--zone", ".=resolv.conf", "--resolv-conf", resolv.toString());

        ProxyConfig c = fromFile.config();
        assertThat(c.listenAll()).containsExactly(at("169.254.20.10", 53), at("10.96.0.10", 53));
        assertThat(c.upstreams()).containsExactly(at("10.0.0.2", 53), at("10.0.0.3", 53));
        assertThat(c.zones()).containsExactly(
                new ForwardZone("cluster.local", List.of(at("10.96.0.11", 53)), true),
                new ForwardZone("in-addr.arpa", List.of(at("10.96.0.11", 53)), true),
                new ForwardZone("ip6.arpa", List.of(at("10.96.0.11", 53)), true),
                new ForwardZone(".", List.of(at("10.0.0.2", 53), at("10.0.0.3", 53)), false));
        assertThat(fromFile.endpoints()).usingRecursiveComparison().ignoringFields("healthBound", "metricsBound")
                .isEqualTo(new NodelocalEndpoints(at("169.254.20.10", 8080), at("0.0.0.0", 9253)));
        assertThat(fromFile.notices()).anyMatch(n -> n.startsWith("reload:"));

        ProxyConfig f = fromFlags.config();
        assertThat(f.listenAll()).isEqualTo(c.listenAll());
        assertThat(f.upstreams()).isEqualTo(c.upstreams());
        assertThat(f.zones()).isEqualTo(c.zones());
        assertThat(f.flags()).usingRecursiveComparison().isEqualTo(c.flags());
        assertThat(fromFlags.endpoints()).usingRecursiveComparison().isEqualTo(fromFile.endpoints());
    }

    @Test
    void withoutListenItServesTheLinkLocalAddressOrLocalip() throws IOException {
        Path resolv = resolvConf();
        assertThat(prepare(Map.of(), "--resolv-conf", resolv.toString()).config().listenAll())
                .containsExactly(at("169.254.20.10", 53));
        assertThat(prepare(Map.of(), "--localip", "169.254.20.10,10.96.0.10", "--resolv-conf", resolv.toString())
                .config().listenAll()).containsExactly(at("169.254.20.10", 53), at("10.96.0.10", 53));
    }

    @Test
    void theHandOffIsOnUnlessTurnedOffAndMissingDefaultsAreSaid() throws IOException {
        Path resolv = resolvConf();
        NodelocalCommand.Prepared p = prepare(Map.of(), "--resolv-conf", resolv.toString());
        assertThat(p.config().flags().get(HandOffPlugin.HAND_OFF)).isTrue();
        assertThat(prepare(Map.of(), "--resolv-conf", resolv.toString(), "--hand-off=off").config().flags()
                .get(HandOffPlugin.HAND_OFF)).isFalse();
        if (!PluginFlags.declared("--cache")) { // until the cache plugin is in this build, nodelocal says so
            assertThat(p.notices()).anyMatch(n -> n.contains("--cache-success 9984:30s") && !n.contains("--hand-off"));
            assertThat(prepare(Map.of(), "--resolv-conf", resolv.toString(), "--no-cache").notices()).isEmpty();
        }
    }

    @Test
    void theCacheIsOnWithNodeLocalsSizesUnlessTurnedOff() throws IOException {
        Path resolv = resolvConf();
        NodelocalCommand.Prepared p = prepare(Map.of(), "--resolv-conf", resolv.toString());
        assertThat(p.config().flags().get(dev.dnsflow.cache.CachePlugin.CACHE)).isTrue();
        assertThat(p.config().flags().get(dev.dnsflow.cache.CachePlugin.SUCCESS))
                .isEqualTo(new dev.dnsflow.cache.CacheOptions.Part(9984, 30));
        assertThat(p.config().flags().get(dev.dnsflow.cache.CachePlugin.DENIAL))
                .isEqualTo(new dev.dnsflow.cache.CacheOptions.Part(9984, 5));
        assertThat(p.notices()).noneMatch(n -> n.contains("--cache"));
        assertThat(prepare(Map.of(), "--resolv-conf", resolv.toString(), "--no-cache").config().flags()
                .get(dev.dnsflow.cache.CachePlugin.CACHE)).isFalse();
    }

    @Test
    void aCorefileWithAnUnsupportedPluginIsRefusedByName() throws IOException {
        Path corefile = Files.writeString(dir.resolve("Corefile"), ".:53 {\n    bind 127.0.0.1\n    rewrite name a.example b.example\n"
                + "    forward . 10.0.0.2\n}\n");
        assertThatThrownBy(() -> prepare(ENV, "--corefile", corefile.toString()))
                .hasMessageContaining("line 3").hasMessageContaining("plugin 'rewrite' is not supported by dnsflow nodelocal");
    }

    @Test
    void listenCannotBeGivenWithCorefile() throws IOException {
        Path corefile = Files.writeString(dir.resolve("Corefile"), ".:53 {\n bind 127.0.0.1\n forward . 10.0.0.2\n}\n");
        assertThatThrownBy(() -> prepare(ENV, "--corefile", corefile.toString(), "--listen", "127.0.0.1:53"))
                .hasMessageContaining("--listen cannot be given with --corefile");
    }

    @Test
    void zoneAndUpstreamBothForTheRootAreRefused() {
        assertThatThrownBy(() -> prepare(Map.of(), "--zone", ".=10.0.0.2", "--upstream", "10.0.0.3"))
                .hasMessageContaining("give one");
    }

    /** dig/kdig → dnsflow nodelocal (two addresses) → NSD for example.com and another NSD for sub.example.com, over TCP. */
    @Test
    void forwardsEachZoneToItsOwnUpstreamOnEveryAddress() throws Exception {
        try (NsdServer parent = NsdServer.start("x.sub IN A 192.0.2.101\n");
             NsdServer child = NsdServer.start("x.sub IN A 192.0.2.202\n")) {
            NodelocalCommand.Prepared p = prepare(Map.of(), "--listen", "127.0.0.1:0", "--listen", "127.0.0.2:0",
                    "--upstream", text(parent.address()), "--zone", "Sub.Example.COM=" + text(child.address()) + "/tcp",
                    "--health", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--admin", "off", "--threads", "1",
                    "--no-cache"); // every query must reach its zone's upstream, not the cache
            try (DnsProxy proxy = DnsProxy.start(p.config(), ProxyMetrics.prometheus(), List.<Plugin>of(p.endpoints()))) {
                List<InetSocketAddress> served = proxy.addresses();
                assertThat(served).hasSize(2);
                for (InetSocketAddress a : served) {
                    assertThat(Dig.dig(a, "x.sub.example.com.", "A").answers()).containsExactly("192.0.2.202");
                    assertThat(Dig.kdig(a, "X.SUB.example.com.", "A", "+tcp").answers()).containsExactly("192.0.2.202");
                    assertThat(Dig.dig(a, "mail.example.com.", "A").answers()).containsExactly(NsdServer.MAIL_A);
                }
                List<Flow> flows = proxy.ring().newest(100, f -> true);
                for (int i = 0; i < 200 && flows.size() < 6; i++) { // flows reach the ring on the recorder's thread
                    Thread.sleep(10);
                    flows = proxy.ring().newest(100, f -> true);
                }
                assertThat(flows).filteredOn(f -> f.query().name().equalsIgnoreCase("x.sub.example.com."))
                        .hasSize(4).allSatisfy(f -> {
                            assertThat(f.attempts()).isNotEmpty();
                            assertThat(f.attempts().get(0).upstream()).isEqualTo(text(child.address()));
                            assertThat(f.attempts().get(0).transport().json()).isEqualTo("tcp");
                        });
                assertThat(flows).filteredOn(f -> f.query().name().equals("mail.example.com."))
                        .hasSize(2).allSatisfy(f -> assertThat(f.attempts().get(0).upstream()).isEqualTo(text(parent.address())));

                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://"
                        + text(p.endpoints().healthAddress()) + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://"
                        + text(p.endpoints().metricsAddress()) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).contains("dnsflow_upstream_requests_total");
            }
        }
    }

    private static String text(InetSocketAddress a) {
        return ProxyCommand.ProxyOptions.text(a);
    }
}
