package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminTokenTest {
    private final HttpClient http = HttpClient.newHttpClient();

    /** RFC 7235: the auth scheme is case-insensitive, so curl users writing "bearer" are let in. */
    @Test
    void acceptsTheBearerSchemeInAnyCaseAndOnlyTheRightToken() throws Exception {
        AdminToken token = AdminToken.of("s3cret");
        try (AdminServer server = new AdminServer(new InetSocketAddress("127.0.0.1", 0))) {
            server.route("/t", Set.of("GET"), exchange -> {
                if (token.permits(exchange)) {
                    AdminServer.respond(exchange, 200, "text/plain", "in\n");
                }
            }).start();
            String url = "http://127.0.0.1:" + server.address().getPort() + "/t";
            for (String ok : new String[] {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR  s3cret "}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", ok).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(ok).isEqualTo(200);
            }
            for (String no : new String[] {"bearer wrong", "Basic s3cret", "Bearers3cret", "s3cret", "Bearer"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", no).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(no).isEqualTo(401);
            }
        }
    }
}
