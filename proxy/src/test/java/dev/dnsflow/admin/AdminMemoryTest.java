package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.dnsflow.peers.ChildProcess;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Wire;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Many readers of the whole ring at once, against a proxy in a JVM whose heap is small next to
 * what they ask for: every reader gets every flow, DNS goes on, and nothing runs out of memory.
 * Building each answer as a list of flows made eight such readers exhaust the heap, cut five of the
 * answers off and stall DNS for seconds.
 */
class AdminMemoryTest {
    private static final int FLOWS = 50_000;
    private static final int READERS = 8;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void eightWholeRingReadersOnA64MegabyteHeapAllGetEveryFlowWhileDnsIsAnswered() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("proxy.out");
        try (ChildProcess child = ChildProcess.start("small-heap-proxy", List.of(java, "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), SmallHeapProxy.class.getName(), String.valueOf(FLOWS)), null, out)) {
            Matcher ready = awaitReady(child);
            InetSocketAddress dns = new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.group(1)));
            String url = "http://127.0.0.1:" + ready.group(2) + "/api/v1/flows?limit=10000000";
            HttpClient http = HttpClient.newHttpClient();

            List<CompletableFuture<Integer>> readers = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                readers.add(CompletableFuture.supplyAsync(() -> countFlows(http, url)));
            }
            int asked = 0;
            int answered = 0;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((!readers.stream().allMatch(CompletableFuture::isDone) || asked < 50) && System.nanoTime() < giveUp) {
                Message answer = DnsClient.udp(dns, Wire.query("example.com.", Type.A, asked).toWire(), 2000);
                asked++;
                if (answer != null && answer.getRcode() == Rcode.NOERROR) {
                    answered++;
                }
            }

            for (CompletableFuture<Integer> r : readers) {
                // Each query asked meanwhile became a flow and pushed the oldest out of the full ring.
                assertThat(r.get(5, TimeUnit.SECONDS)).as("every reader got the whole ring, as a complete array")
                        .isBetween(FLOWS - asked, FLOWS);
            }
            assertThat(answered).as("DNS queries answered within 2 s while the readers read").isEqualTo(asked);
            assertThat(child.isAlive()).isTrue();
            assertThat(child.output()).doesNotContain("OutOfMemoryError");
        }
    }

    private static Matcher awaitReady(ChildProcess child) throws InterruptedException {
        Pattern line = Pattern.compile("ready dns=(\\d+) admin=(\\d+) flows=" + FLOWS);
        for (int i = 0; i < 600; i++) {
            Matcher m = line.matcher(child.output());
            if (m.find()) {
                return m;
            }
            assertThat(child.isAlive()).as(child.output()).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("the proxy did not fill its ring: " + child.output());
    }

    /** Reads one whole answer, counting the flows in it without keeping them. */
    private static int countFlows(HttpClient http, String url) {
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            int flows = 0;
            try (InputStream in = r.body(); JsonParser p = new JsonFactory().createParser(in)) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    assertThat(t).as("a complete JSON array of flows").isEqualTo(JsonToken.START_OBJECT);
                    p.skipChildren();
                    flows++;
                }
            }
            return flows;
        } catch (Exception e) {
            throw new AssertionError("reader failed: " + e, e);
        }
    }
}
