package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.ForwardStage;
import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** --zone: the longest zone picks the upstreams; each zone has its own attempts; /tcp forces TCP. */
class ZoneRoutingTest {

    @Test
    void eachZoneGoesToItsOwnUpstreamsAndADeadZoneFailsAlone() throws Exception {
        try (ScriptedUpstream dflt = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
             ScriptedUpstream cluster = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.2")));
             ScriptedUpstream dead = ScriptedUpstream.start(ScriptedUpstream.silent())) {
            ForwardOptions forward = ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(100), Duration.ofMillis(600))
                    .maxAttempts(2).health(2, Duration.ofSeconds(30)).build();
            ProxyConfig config = ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(dflt.address()))
                    .eventLoops(1).forward(forward).zones(List.of(
                            new ForwardZone("cluster.local", List.of(cluster.address()), true),
                            new ForwardZone("dead.example", List.of(dead.address()), false),
                            new ForwardZone("also.example", List.of(dflt.address()), false)))
                    .build();
            try (DnsProxy proxy = DnsProxy.start(config)) {
                assertThat(address(DnsClient.udp(proxy.address(), Wire.query("kube-dns.kube-system.svc.Cluster.Local.", Type.A))))
                        .isEqualTo("192.0.2.2");
                assertThat(cluster.received()).singleElement().satisfies(r -> assertThat(r.tcp()).as("/tcp").isTrue());

                assertThat(address(DnsClient.udp(proxy.address(), Wire.query("example.com.", Type.A)))).isEqualTo("192.0.2.1");
                assertThat(address(DnsClient.udp(proxy.address(), Wire.query("local.", Type.A)))).isEqualTo("192.0.2.1");

                Message failed = DnsClient.udp(proxy.address(), Wire.query("x.dead.example.", Type.A));
                assertThat(failed.getRcode()).isEqualTo(Rcode.SERVFAIL);
                assertThat(dead.received()).as("the zone's own attempts, none elsewhere").hasSize(2);
                assertThat(dflt.received()).extracting(r -> r.message().getQuestion().getName().toString())
                        .containsExactly("example.com.", "local.");

                List<ForwardStage.Route> routes = proxy.forward().routes();
                assertThat(routes).extracting(ForwardStage.Route::zone)
                        .containsExactly(".", "cluster.local.", "dead.example.", "also.example.");
                assertThat(routes.get(2).upstreams().get(0).isHealthy()).as("down after 2 failures").isFalse();
                assertThat(routes.get(0).upstreams().get(0).isHealthy()).isTrue();
                assertThat(routes.get(3).upstreams().get(0)).as("one Upstream per server: one health, one set of metrics")
                        .isSameAs(routes.get(0).upstreams().get(0));
                List<Flow> flows = List.of();
                for (int i = 0; i < 200 && flows.isEmpty(); i++) { // flows reach the ring on the recorder's thread
                    Thread.sleep(10);
                    flows = proxy.ring().newest(10, f -> f.query().name().equals("x.dead.example."));
                }
                assertThat(flows).singleElement().satisfies(f -> assertThat(f.attempts()).extracting(a -> a.upstream())
                                .containsOnly(proxy.forward().routes().get(2).upstreams().get(0).label()));
            }
        }
    }

    private static String address(Message m) {
        return ((ARecord) m.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }
}
