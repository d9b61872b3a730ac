package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.peers.ChildProcess;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * SIGTERM, as every Kubernetes rollout sends it, against the real {@code dnsflow proxy} process:
 * the queries in flight are answered and recorded before it exits. It used to exit in 30 ms with
 * none of them answered and no flow written.
 */
class GracefulShutdownTest {
    private static final int QUERIES = 50;

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void sigtermAnswersAndRecordsEveryQueryInFlightThenExits() throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
             DatagramSocket client = new DatagramSocket()) {
            int dnsPort = Peers.freePort();
            int adminPort = Peers.freePort();
            Path log = dir.resolve("flows.jsonl");
            ChildProcess proxy = start(dir, "--listen", "127.0.0.1:" + dnsPort, "--admin", "127.0.0.1:" + adminPort,
                    "--upstream", "127.0.0.1:" + upstream.address().getPort(), "--threads", "1",
                    "--chaos-rule", "delay delay=2s name=*.example.com", "--flow-log", log.toString());
            try (proxy) {
                Peers.waitForDns(new InetSocketAddress("127.0.0.1", dnsPort), java.time.Duration.ofSeconds(20));
                InetSocketAddress dns = new InetSocketAddress("127.0.0.1", dnsPort);
                for (int i = 0; i < QUERIES; i++) {
                    byte[] q = Wire.bytes(Wire.query("q" + i + ".example.com.", Type.A, i));
                    client.send(new DatagramPacket(q, q.length, dns));
                }
                Thread.sleep(300); // all 50 are held by the 2 s chaos delay now

                proxy.process().toHandle().destroy(); // SIGTERM
                Thread.sleep(200);
                Message lameduck = DnsClient.udp(dns, Wire.query("after.sigterm.test.", Type.A, 999).toWire(), 2000);
                HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/ready")).build(), HttpResponse.BodyHandlers.ofString());

                client.setSoTimeout(5000);
                int answered = 0;
                for (int i = 0; i < QUERIES; i++) {
                    byte[] buf = new byte[512];
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    client.receive(p);
                    Message m = Wire.parse(java.util.Arrays.copyOf(buf, p.getLength()));
                    if (m.getRcode() == Rcode.NOERROR) {
                        answered++;
                    }
                }
                assertThat(proxy.process().waitFor(10, TimeUnit.SECONDS)).as("exits after draining").isTrue();

                assertThat(ready.statusCode()).as("lameduck: /ready fails at once").isEqualTo(503);
                assertThat(lameduck).as("lameduck: a query after SIGTERM is still served").isNotNull();
                assertThat(lameduck.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(ready.body()).contains("shutting down");
                assertThat(answered).as("every query in flight got its real answer").isEqualTo(QUERIES);
                assertThat(lines(log, ".example.com.")).as("every query has its flow line\n" + proxy.output()).isEqualTo(QUERIES);
            }
        }
    }

    @Test
    @Timeout(60)
    void whatIsStillWaitingWhenTheGraceEndsGetsServfailAndAFlow() throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
             DatagramSocket client = new DatagramSocket()) {
            int dnsPort = Peers.freePort();
            Path log = dir.resolve("flows.jsonl");
            ChildProcess proxy = start(dir, "--listen", "127.0.0.1:" + dnsPort, "--admin", "off",
                    "--upstream", "127.0.0.1:" + upstream.address().getPort(), "--threads", "1",
                    "--chaos-rule", "delay delay=30s name=slow.example.com", "--shutdown-grace", "500ms",
                    "--flow-log", log.toString());
            try (proxy) {
                Peers.waitForDns(new InetSocketAddress("127.0.0.1", dnsPort), java.time.Duration.ofSeconds(20));
                byte[] q = Wire.bytes(Wire.query("slow.example.com.", Type.A, 77));
                client.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", dnsPort)));
                Thread.sleep(300);
                long sent = System.nanoTime();

                proxy.process().toHandle().destroy();

                client.setSoTimeout(5000);
                byte[] buf = new byte[512];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                client.receive(p);
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertThat(Wire.parse(java.util.Arrays.copyOf(buf, p.getLength())).getRcode()).isEqualTo(Rcode.SERVFAIL);
                assertThat(waited).as("after the grace, long before the 30 s delay").isBetween(400L, 5000L);
                assertThat(proxy.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(lines(log, "slow.example.com.")).isEqualTo(1);
                assertThat(Files.readString(log)).contains("slow.example.com.").contains("\"outcome\":\"servfail\"");
            }
        }
    }

    private static ChildProcess start(Path dir, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "proxy"));
        command.addAll(List.of(args));
        return ChildProcess.start("dnsflow-proxy", command, null, dir.resolve("proxy-" + System.nanoTime() + ".out"));
    }

    /** Flow lines for names ending in {@code suffix} (the readiness probes for {@code .} are not counted). */
    private static int lines(Path log, String suffix) throws Exception {
        return (int) Files.readAllLines(log).stream().filter(l -> l.contains(suffix + "\"")).count();
    }
}
