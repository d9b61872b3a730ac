package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValuesTest {

    @Test
    void parsesHostAndPortForms() {
        assertThat(Values.hostPort("10.0.0.2", 53)).isEqualTo(new InetSocketAddress("10.0.0.2", 53));
        assertThat(Values.hostPort("10.0.0.2:5300", 53)).isEqualTo(new InetSocketAddress("10.0.0.2", 5300));
        assertThat(Values.hostPort("[::1]:5353", 53)).isEqualTo(new InetSocketAddress("::1", 5353));
        assertThat(Values.hostPort("fd00::53", 53)).isEqualTo(new InetSocketAddress("fd00::53", 53));
        assertThatThrownBy(() -> Values.hostPort("10.0.0.2:99999", 53)).hasMessageContaining("port");
        assertThatThrownBy(() -> Values.hostPort("[::1", 53)).hasMessageContaining("]");
    }

    @Test
    void parsesDurationsWithUnits() {
        assertThat(Values.duration("700ms")).isEqualTo(Duration.ofMillis(700));
        assertThat(Values.duration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Values.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Values.duration("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThatThrownBy(() -> Values.duration("700")).hasMessageContaining("500ms");
        assertThat(Values.text(Duration.ofMillis(1800))).isEqualTo("1800ms");
        assertThat(Values.text(Duration.ofSeconds(2))).isEqualTo("2s");
    }

    @Test
    void parsesSizes() {
        assertThat(Values.size("100MB")).isEqualTo(100L << 20);
        assertThat(Values.size("512k")).isEqualTo(512L << 10);
        assertThat(Values.size("4096")).isEqualTo(4096);
        assertThatThrownBy(() -> Values.size("lots")).hasMessageContaining("lots");
    }

    @Test
    void readsNameserversFromResolvConf(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, "search svc.cluster.local\nnameserver 10.96.0.10\n# comment\nnameserver fe80::1%eth0\noptions ndots:5\n");
        assertThat(Values.resolvConf(conf)).containsExactly(new InetSocketAddress("10.96.0.10", 53),
                new InetSocketAddress("fe80::1", 53));
        assertThatThrownBy(() -> Values.resolvConf(dir.resolve("missing"))).hasMessageContaining("--upstream");
    }

    @Test
    void zoneSpecsNameTheirUpstreamsAndTransport(@TempDir Path dir) throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.2\nnameserver 10.0.0.3\n");
        dev.dnsflow.forward.ForwardZone z = Values.zone("Cluster.Local=10.96.0.11,[fd00::a]:5353/tcp", resolv);
        assertThat(z.zone()).isEqualTo("cluster.local.");
        assertThat(z.upstreams()).containsExactly(new InetSocketAddress("10.96.0.11", 53), new InetSocketAddress("fd00::a", 5353));
        assertThat(z.forceTcp()).isTrue();
        assertThat(Values.zone(".=resolv.conf", resolv).upstreams())
                .containsExactly(new InetSocketAddress("10.0.0.2", 53), new InetSocketAddress("10.0.0.3", 53));
        assertThatThrownBy(() -> Values.zone("cluster.local", resolv)).hasMessageContaining("ZONE=UPSTREAM");
        assertThatThrownBy(() -> Values.zone("a..b=10.0.0.1", resolv)).hasMessageStartingWith("--zone");
        assertThatThrownBy(() -> Values.zone("x=not a host", resolv)).hasMessageStartingWith("--zone x");
    }
}
