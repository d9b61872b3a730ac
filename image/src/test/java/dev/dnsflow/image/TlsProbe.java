package dev.dnsflow.image;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * Run by {@link ImageIT} with the image's own runtime (not part of the image): what fabric8 does when it talks to
 * the API server, in small. An HTTPS server with an EC certificate (like kubeadm's, signed ECDSA) on loopback, and
 * java.net.http's client, trusting only that certificate, asks it over TLS 1.3 (x25519, ECDSA: jdk.crypto.ec).
 * Prints {@code tls ok PROTOCOL} or throws. Usage: {@code TlsProbe KEYSTORE.p12 PASSWORD}.
 */
public final class TlsProbe {
    private TlsProbe() {
    }

    public static void main(String[] args) throws Exception {
        char[] password = args[1].toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
            URI uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            String protocol = response.sslSession().map(s -> s.getProtocol() + " " + s.getCipherSuite()).orElse("none");
            if (response.statusCode() != 200 || !"ok".equals(response.body())) {
                throw new IllegalStateException("unexpected answer " + response.statusCode() + " " + response.body());
            }
            System.out.println("tls ok " + protocol);
        } finally {
            server.stop(0);
        }
    }
}
