package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.record.FlowRing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin API when clients hold what it has only so much of: ring-read turns, threads. */
class AdminBoundsTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final RingReads reads = new RingReads();
    private FlowRecorder recorder;
    private AdminServer server;

    private void start(AdminServer admin, int flowBuffer) {
        ProxyMetrics metrics = ProxyMetrics.standalone();
        recorder = new FlowRecorder(new FlowRing(flowBuffer), metrics);
        server = admin;
        recorder.addSink(AdminApi.register(server, metrics, recorder.ring(), () -> null, reads));
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (recorder != null) {
            recorder.close();
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort()
                + pathAndQuery)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** It scanned the whole ring with no turn: 88 requests for an unknown id were 88 threads decoding at once. */
    @Test
    void aFlowAskedForByIdTakesItsTurnLikeEveryWholeRingRead() throws Exception {
        start(new AdminServer(new InetSocketAddress("127.0.0.1", 0)), 100);
        HttpResponse<String> unknown = get("/api/v1/flows/01NOPE");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("no flow 01NOPE");

        List<RingReads.Reader> all = new ArrayList<>();
        for (int i = 0; i < RingReads.ADMITTED; i++) {
            all.add(reads.admit(null));
        }
        HttpResponse<String> busy = get("/api/v1/flows/01NOPE");
        assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
        assertThat(busy.body()).contains("too many flow reads at once");
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");

        all.forEach(RingReads.Reader::close);
        assertThat(get("/api/v1/flows/01NOPE").statusCode()).isEqualTo(404);
    }

    /**
     * Sixteen clients asking for the whole ring and never reading held every ring-read admission
     * forever: every other list and top was 503 from then on. Past the stall limit they are cut off.
     */
    @Test
    @Timeout(60)
    void readersThatStopReadingAreCutOffAndTheRingIsServedAgain() throws Exception {
        start(new AdminServer(new InetSocketAddress("127.0.0.1", 0), Duration.ofMillis(300)), 20_000);
        for (int i = 0; i < 20_000; i++) {
            recorder.accept(dev.dnsflow.testing.Flows.sample());
            if (i % 1000 == 0) {
                recorder.drain(5000);
            }
        }
        recorder.drain(5000);
        List<Socket> stalled = new ArrayList<>();
        try {
            HttpResponse<String> busy = null;
            for (int round = 0; round < 10 && (busy == null || busy.statusCode() != 503); round++) {
                for (int i = 0; i < RingReads.ADMITTED; i++) {
                    stalled.add(askAndNeverRead("/api/v1/flows?limit=100000"));
                }
                busy = get("/api/v1/flows?limit=1");
            }
            assertThat(busy.statusCode()).as("the stalled readers hold every admission: " + busy.body()).isEqualTo(503);

            HttpResponse<String> after = busy;
            long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (after.statusCode() == 503 && System.nanoTime() < giveUp) {
                Thread.sleep(100);
                after = get("/api/v1/flows?limit=1");
            }
            assertThat(after.statusCode()).as("served again while the stalled clients are still connected: "
                    + after.body()).isEqualTo(200);
            assertThat(get("/api/v1/top").statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    private Socket askAndNeverRead(String target) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(server.address());
        s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return s;
    }
}
