package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * The books balance: after a burst mixing answers, timeouts, refusals and malformed input, every
 * query received is either answered or dropped with a counted reason, exactly.
 */
class ConservationTest {

    @Test
    void queriesReceivedEqualResponsesSentPlusDrops() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.start((q, reply) -> {
            String name = q.message().getQuestion().getName().toString();
            if (!name.startsWith("lost")) {
                reply.send(Wire.answer(q.message(), "192.0.2.1"));
            }
        });
             DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(up.address()))
                     .forward(ForwardOptions.defaults().toBuilder().timeouts(Duration.ofMillis(100), Duration.ofMillis(250))
                             .build()).eventLoops(2).build());
             DatagramSocket client = new DatagramSocket()) {
            InetSocketAddress to = proxy.address();
            int sent = 0;
            for (int i = 0; i < 300; i++) {
                byte[] message = switch (i % 5) {
                    case 0, 1 -> Wire.query("ok" + i + ".example.com.", Type.A, i).toWire();
                    case 2 -> Wire.query("lost" + i + ".example.com.", Type.A, i).toWire();
                    case 3 -> new byte[] {(byte) i, 1, 2, 3, 4, 5}; // FORMERR
                    default -> new byte[] {(byte) i};               // dropped: no ID
                };
                client.send(new DatagramPacket(message, message.length, to));
                sent++;
                if (i % 10 == 9) {
                    Thread.sleep(2); // stay under the socket buffers: a kernel drop is not what this test counts
                }
            }
            try (DnsClient.Tcp tcp = new DnsClient.Tcp(to)) {
                tcp.send(Wire.query("tcp.example.com.", Type.A, 1).toWire());
                tcp.read();
                sent++;
            }
            ProxyMetrics m = proxy.metrics();
            long until = System.currentTimeMillis() + 5000;
            while (m.total("dnsflow.responses") + m.total("dnsflow.drops") < sent && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // anything counted twice would show up now

            assertThat(m.total("dnsflow.queries")).isEqualTo(sent);
            assertThat(m.total("dnsflow.responses") + m.total("dnsflow.drops")).isEqualTo(sent);
            assertThat(m.count("dnsflow.responses", "outcome", "servfail")).isEqualTo(60);
            assertThat(m.count("dnsflow.responses", "outcome", "formerr")).isEqualTo(60);
            assertThat(m.count("dnsflow.drops", "reason", "too_short")).isEqualTo(60);
            proxy.recorder().drain(2000);
            assertThat(proxy.ring().written()).as("one flow per answered query").isEqualTo((long) m.total("dnsflow.responses"));
        }
    }
}
