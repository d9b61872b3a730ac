package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.ScriptedUpstream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Whatever a client puts in a query parameter of the flow endpoints — any unicode, reserved
 * characters, stray percent signs, very long strings, regex bombs, encoded or sent as raw bytes —
 * the answer comes within seconds and is a 200, a 503 (the stream and ring-read limits) or a 400
 * that names the parameter: never another 5xx, never the server's own error page, never a hang.
 */
class AdminQueryProperties {
    private static final List<String> KEYS = List.of("name", "type", "rcode", "outcome", "client", "upstream",
            "min_duration", "since", "until", "cache", "limit", "colour");
    private static final List<String> PATHS = List.of("/api/v1/flows", "/api/v1/flows/stream", "/api/v1/top");
    private static final int TIMEOUT_MILLIS = 5000;

    private static ScriptedUpstream upstream;
    private static DnsProxy proxy;

    private static synchronized DnsProxy proxy() throws Exception {
        if (proxy == null) {
            upstream = ScriptedUpstream.start(ScriptedUpstream.silent());
            proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                    .admin(new InetSocketAddress("127.0.0.1", 0)).flowBuffer(1000).eventLoops(1).build());
            for (int i = 0; i < 500; i++) {
                proxy.recorder().accept(Flows.sample()); // something for the filters to run over
            }
            proxy.recorder().drain(5000);
        }
        return proxy;
    }

    @AfterContainer
    static void stop() {
        if (proxy != null) {
            proxy.close();
            upstream.close();
        }
    }

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(40);
        Arbitrary<String> reserved = Arbitraries.strings().withChars("|{}[]^%&=+#?/\\\"<>`~;:@!$'()*,. -").ofMaxLength(20);
        Arbitrary<String> mixed = Arbitraries.strings().withChars("|{}%aA09.:*~^()+?[]\u00e9\u4e2d\ud83d\ude00")
                .ofMinLength(1).ofMaxLength(30);
        Arbitrary<String> longOnes = Arbitraries.strings().withChars("a.|%(*~9").ofMinLength(900).ofMaxLength(3000);
        Arbitrary<String> known = Arbitraries.of("~((a+)+)+b", "~(a|a)*$", "~(x+x+)+y", "~" + "(".repeat(300), "~a{1000}{1000}",
                "~\\1", "~(?=a)", "*.", "*", "~", "5m", "-5m", "0", "99999999999999999999h", "1e9", "NaN", "A,AAAA", ",,",
                "NXDOMAIN", "answered,", "10.0.0.0/99", "::/0", "1.2.3.4:99999", "[::1]:53", "[::1", "2026-01-01T00:00:00Z",
                "2026-13-45T99:99:99Z", "9999999-01-01T00:00:00Z", "1-", "%", "%zz", "%00", "%C3%28", "%u0041", "+", "\u0000",
                "10000001", "-1", "2147483648", "100000000000000000000000000000d");
        return Arbitraries.oneOf(any, reserved, mixed, longOnes, known);
    }

    @Property(tries = 200)
    void anyFilterValueIsAnsweredWith200Or503OrA400NamingIt(@ForAll("paths") String path, @ForAll("keys") String key,
                                                             @ForAll("values") String value, @ForAll boolean raw)
            throws Exception {
        int port = proxy().adminAddress().getPort();
        String target = path + "?" + key + "=" + (raw ? raw(value) : encode(value));
        boolean stream = path.endsWith("/stream");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000L;
            String response;
            try {
                response = read(s.getInputStream(), stream, deadline);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + TIMEOUT_MILLIS + " ms to " + target, e);
            }
            assertThat(response).as(target).startsWith("HTTP/1.1 ");
            int status = Integer.parseInt(response.substring(9, 12));
            assertThat(status).as(target + "\n" + response).isIn(200, 400, 503);
            if (status == 400) {
                String body = response.substring(response.indexOf("\r\n\r\n") + 4);
                assertThat(response).as(target).containsIgnoringCase("content-type: text/plain");
                assertThat(body).as(target).contains(key);
            }
        }
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of(PATHS);
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.of(KEYS);
    }

    /** The whole response, or for a stream just the status line and headers. */
    private static String read(InputStream in, boolean headersOnly, long deadline) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            String sofar = out.toString(StandardCharsets.UTF_8);
            if (headersOnly && sofar.contains("\r\n\r\n") && sofar.startsWith("HTTP/1.1 200")) {
                break; // a live stream: the status is all there is to check
            }
            if (System.nanoTime() > deadline) {
                throw new SocketTimeoutException("still reading");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** As a careful client does: everything but unreserved characters percent-encoded (UTF-8). */
    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * As curl -g or a hand-written request does: the characters as they are, in UTF-8, except what
     * would end the request line or the parameter (whitespace, controls, {@code &}, {@code #}).
     */
    private static String raw(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c <= 0x20 || c == 0x7F || c == '&' || c == '#') {
                out.append(String.format("%%%02X", c));
            } else {
                out.append((char) c);
            }
        }
        return new String(out.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
