package dev.dnsflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The admin API's flow endpoints as {@code dnsflow observe} reads them: {@code GET /api/v1/flows}
 * (a page, with the {@code Dnsflow-Ring-Gap} header) and {@code GET /api/v1/flows/stream} (NDJSON,
 * with {@code {"gap":{"skipped":N}}} lines and empty heartbeat lines). Failures are one sentence.
 */
final class FlowsClient {
    static final String GAP_HEADER = "Dnsflow-Ring-Gap";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    /** What --server should be, said when it answers something other than flows. */
    static final String SERVER_HINT = "is --server the admin address of a dnsflow proxy with the flows API?";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Flows oldest first, and the API's warning that some it was asked for were overwritten (or null). */
    record Page(List<JsonNode> flows, String gap) {
    }

    /** The API is unreachable or answered something other than flows: exit code 1. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** The API answered 400: a value it cannot read. The message is the API's and starts with the parameter. */
    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();

    FlowsClient(URI base) {
        this.base = base;
    }

    Page list(Map<String, String> filters, int limit) throws Failure, Rejected, InterruptedException {
        URI uri = uri(base, "/api/v1/flows", listParams(filters, limit));
        HttpResponse<String> response = send(() -> http.send(HttpRequest.newBuilder(uri).timeout(LIST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        return page(response.statusCode(), response.body(), response.headers().firstValue(GAP_HEADER).orElse(null), uri,
                SERVER_HINT);
    }

    /** The list's query parameters: the filters and {@code limit}. */
    static Map<String, String> listParams(Map<String, String> filters, int limit) {
        Map<String, String> params = new LinkedHashMap<>(filters);
        params.put("limit", String.valueOf(limit));
        return params;
    }

    /**
     * A list answer read into a page, oldest first; {@code hint} says in parentheses what the address given
     * should be when the answer is not flows.
     */
    static Page page(int status, String body, String gap, URI uri, String hint) throws Failure, Rejected {
        check(status, body, uri, hint);
        JsonNode array = parse(body, uri, hint);
        if (!array.isArray()) {
            throw new Failure(uri.getPath() + " did not answer with a list of flows (" + hint + ")");
        }
        List<JsonNode> flows = new ArrayList<>();
        array.forEach(flows::add);
        Collections.reverse(flows); // the API sends newest first; print like tail
        return new Page(flows, gap);
    }

    /** Subscribes: once this returns, every later matching flow will be in the stream. */
    InputStream stream(Map<String, String> filters) throws Failure, Rejected, InterruptedException {
        URI uri = uri(base, "/api/v1/flows/stream", filters);
        HttpResponse<InputStream> response = send(() -> http.send(HttpRequest.newBuilder(uri)
                .header("Accept", "application/x-ndjson").GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            check(response.statusCode(), body, uri, SERVER_HINT);
        }
        return response.body();
    }

    /**
     * Reads a stream until it ends: flows to {@code onFlow}, skipped counts to {@code onGap}. Returns
     * when the server ends the stream or the connection drops (dnsflow stopping does either).
     */
    void read(InputStream stream, Consumer<JsonNode> onFlow, LongConsumer onGap) throws Failure {
        read(stream, base, SERVER_HINT, onFlow, onGap);
    }

    /** {@link #read(InputStream, Consumer, LongConsumer)} for a stream from anywhere; {@code uri} and {@code hint} name it in errors. */
    static void read(InputStream stream, URI uri, String hint, Consumer<JsonNode> onFlow, LongConsumer onGap) throws Failure {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue; // the server's heartbeat
                }
                JsonNode node = parse(line, uri, hint);
                JsonNode gap = node.get("gap");
                if (gap != null && node.size() == 1) {
                    onGap.accept(gap.path("skipped").asLong());
                } else {
                    onFlow.accept(node);
                }
            }
        } catch (IOException e) {
            // the connection dropped: for the reader, the same news as a clean end
        }
    }

    static URI uri(URI base, String path, Map<String, String> params) {
        StringJoiner query = new StringJoiner("&", params.isEmpty() ? "" : "?", "");
        params.forEach((k, v) -> query.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return URI.create(base + path + query);
    }

    /** 200 passes; 400 is a value the API rejects; anything else means the address is not what we hoped ({@code hint}). */
    static void check(int status, String body, URI uri, String hint) throws Failure, Rejected {
        String message = body.strip();
        if (status == 200) {
            return;
        }
        if (status == 400) {
            throw new Rejected(message);
        }
        throw new Failure(uri.getPath() + " answered " + status
                + (message.isEmpty() ? "" : ": " + message.lines().findFirst().orElse("")) + (status == 404 ? " (" + hint + ")" : ""));
    }

    private static JsonNode parse(String text, URI uri, String hint) throws Failure {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Failure(uri + " did not answer with JSON (" + hint + ")");
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        HttpResponse<T> send() throws IOException, InterruptedException;
    }

    private <T> HttpResponse<T> send(Call<T> call) throws Failure, InterruptedException {
        try {
            return call.send();
        } catch (IOException e) {
            throw new Failure("cannot reach the dnsflow admin API at " + base + ": " + reason(e)
                    + " (is dnsflow running? see --server)");
        }
    }

    /** What went wrong, in words: "connection refused" rather than a ConnectException with no message. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer within " + LIST_TIMEOUT.toSeconds() + "s";
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** {@code --server}: {@code http(s)://host:port} or a bare {@code host:port}; no path query, trailing slashes dropped. */
    static URI baseUri(String server) {
        String s = server.strip();
        s = s.contains("://") ? s : "http://" + s;
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            URI uri = new URI(s);
            if ((uri.getScheme().equals("http") || uri.getScheme().equals("https")) && uri.getHost() != null
                    && uri.getRawQuery() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new IllegalArgumentException("--server: '" + server + "' is not an http:// URL (e.g. "
                + ObserveCommand.DEFAULT_SERVER + ")");
    }

    /**
     * The API's 400 message with the CLI flag in place of the query parameter ("type: unknown value" →
     * "--type: unknown value"), so users are told which of their flags to fix.
     */
    static String flagged(String message, Map<String, String> flags) {
        for (Map.Entry<String, String> e : flags.entrySet()) {
            if (message.startsWith(e.getKey() + ":")) {
                return e.getValue() + message.substring(e.getKey().length());
            }
        }
        return "the API rejected the request: " + message;
    }
}
