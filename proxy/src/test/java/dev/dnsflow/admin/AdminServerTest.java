package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.ScriptedUpstream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersHealthOnLoopbackAndRejectsTheRest() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.start(ScriptedUpstream.silent());
             DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(up.address()))
                     .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1).build())) {
            String base = "http://127.0.0.1:" + proxy.adminAddress().getPort();

            HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(base + "/health")));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");

            HttpResponse<String> unknown = send(HttpRequest.newBuilder(URI.create(base + "/nope")));
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("/nope");

            HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(base + "/health"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void namesTheAddressItCannotListenOn() throws Exception {
        try (AdminServer first = new AdminServer(new InetSocketAddress("127.0.0.1", 0)).start()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AdminServer(first.address()))
                    .hasMessageContaining("--admin").hasMessageContaining(String.valueOf(first.address().getPort()));
        }
    }
}
