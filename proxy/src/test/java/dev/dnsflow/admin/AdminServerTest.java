package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.ScriptedUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
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
            assertThat(health.headers().firstValue("Server")).as("dnsflow status reads each pod's version from it")
                    .hasValue("dnsflow/" + DnsProxy.version());

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

    /** A handler that failed midway through a chunked body used to end it as if complete: a 200 with cut-off JSON. */
    @Test
    void aResponseItsHandlerFailsMidwayReachesTheClientIncomplete() throws Exception {
        try (AdminServer server = new AdminServer(new InetSocketAddress("127.0.0.1", 0)).route("/half", Set.of("GET"),
                exchange -> {
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    out.write("[{\"id\":1},".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    throw new IllegalStateException("the ring went away");
                }).start()) {
            String all;
            try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
                s.setSoTimeout(5000); // kept alive as if complete, the read below would time out
                s.getOutputStream().write("GET /half HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(all).startsWith("HTTP/1.1 200").contains("[{\"id\":1},").doesNotEndWith("0\r\n\r\n");

            String base = "http://127.0.0.1:" + server.address().getPort();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create(base + "/half"))))
                    .as("what curl calls: transfer closed with outstanding read data remaining").isInstanceOf(IOException.class);
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "/health"))).statusCode()).isEqualTo(200);
        }
    }
}
