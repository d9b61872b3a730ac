package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.chaos.ChaosApi;
import dev.dnsflow.chaos.ChaosRules;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.record.FlowRing;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
        AdminApi.register(server, metrics, recorder, () -> null, new ChaosApi(new ChaosRules(Clock.systemUTC()),
                Clock.systemUTC()), AdminToken.none(), reads);
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
}
