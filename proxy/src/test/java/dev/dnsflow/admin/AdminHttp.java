package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.server.DnsProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A running proxy's admin API as the tests read it: GETs after the recorder has caught up, and flows' names. */
final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final DnsProxy proxy;

    AdminHttp(DnsProxy proxy) {
        this.proxy = proxy;
    }

    /** GET once every flow recorded so far is in the ring. */
    HttpResponse<String> get(String pathAndQuery) throws Exception {
        proxy.recorder().drain(2000);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + pathAndQuery))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The query names of {@code /api/v1/flows?…}, newest first; anything but 200 fails the test. */
    List<String> names(String query) throws Exception {
        HttpResponse<String> r = get("/api/v1/flows" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(f -> out.add(f.get("query").get("name").asText()));
        return out;
    }
}
