package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.plan.Flags;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The declared list is the query path, and a proxy is planned whole before it binds anything. */
class PluginsTest {
    /** A plugin whose options are bad: its setup refuses, naming its flag. */
    private static final Plugin REFUSING = plugin("refusing", plan -> {
        throw new IllegalArgumentException("--refusing: not today");
    });

    @Test
    void theQueryPathRunsInTheDeclaredOrderAndTheReadmeShowsThatOrder() throws Exception {
        try (ScriptedUpstream upstream = answering();
             DnsProxy proxy = DnsProxy.start(config(0, upstream).flags(Flags.of(Map.of("--minimal-responses", "true", "--cache", "true")))
                     .build())) {
            assertThat(proxy.chain()).containsExactly("acl", "format", "context", "chaos", "minimal", "cache", "forward");
            String readme = Files.readString(Path.of("..", "README.md"));
            assertThat(readme.replaceAll("\\s+", " ")).contains(String.join(" → ",
                    proxy.chain().stream().map(name -> "`" + name + "`").toList()));
        }
    }

    @Test
    void aPluginThatRefusesItsOptionsLeavesNothingBoundAndSaysWhy() throws Exception {
        int port = Peers.freePort();
        try (ScriptedUpstream upstream = answering()) {
            assertThatThrownBy(() -> DnsProxy.start(config(port, upstream).build(), ProxyMetrics.standalone(),
                    List.of(REFUSING))).hasMessage("--refusing: not today");

            try (DnsProxy proxy = DnsProxy.start(config(port, upstream).build())) {
                assertThat(proxy.address().getPort()).as("the port was never held").isEqualTo(port);
                assertThat(DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A)).getRcode())
                        .isEqualTo(Rcode.NOERROR);
            }
        }
    }

    @Test
    void whatEarlierPluginsOpenedIsClosedWhenALaterOneRefuses() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        Plugin opening = plugin("opening", plan -> {
            plan.sink(new FlowSink() {
                @Override
                public String name() {
                    return "opened";
                }

                @Override
                public void accept(Flow flow) {
                }

                @Override
                public void close() {
                    closed.set(true);
                }
            });
        });
        try (ScriptedUpstream upstream = answering()) {
            assertThatThrownBy(() -> DnsProxy.start(config(0, upstream).build(), ProxyMetrics.standalone(),
                    List.of(opening, REFUSING))).hasMessage("--refusing: not today");
        }
        assertThat(closed).as("the earlier plugin's sink").isTrue();
    }

    @Test
    void aListenerThatCannotOpenClosesTheDnsPortAgain() throws Exception {
        int port = Peers.freePort();
        Plugin failingListener = plugin("failing-listener", plan -> {
            plan.listener(() -> {
                throw new IllegalStateException("cannot listen on unix:/nonexistent/dnstap.sock");
            });
        });
        try (ScriptedUpstream upstream = answering()) {
            assertThatThrownBy(() -> DnsProxy.start(config(port, upstream).build(), ProxyMetrics.standalone(),
                    List.of(failingListener))).hasMessageContaining("cannot listen on unix:/nonexistent/dnstap.sock");

            try (DnsProxy proxy = DnsProxy.start(config(port, upstream).build())) {
                assertThat(proxy.address().getPort()).isEqualTo(port);
            }
        }
    }

    private static ProxyConfig.Builder config(int port, ScriptedUpstream upstream) {
        return ProxyConfig.builder(new InetSocketAddress("127.0.0.1", port), List.of(upstream.address())).eventLoops(1);
    }

    private static Plugin plugin(String name, Consumer<Plan> setup) {
        return new Plugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void setup(Plan plan) {
                setup.accept(plan);
            }
        };
    }

    private static ScriptedUpstream answering() throws Exception {
        return ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
    }
}
