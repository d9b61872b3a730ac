package dev.dnsflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dnsflow observe}: the flows of a running dnsflow, read from its admin API
 * ({@code GET /api/v1/flows}, then {@code GET /api/v1/flows/stream} with {@code --follow}).
 * Flows go to stdout; warnings about lost flows go to stderr, so {@code -o json | jq} stays clean.
 */
@Command(name = "observe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Show the DNS flows of a running dnsflow, newest last, and follow new ones with -f.",
            "",
            "Each flow is one client query: when it arrived, who sent it and with which ID, every upstream",
            "attempt with the ID dnsflow put on the wire, its round trip and how it ended, the answer, and",
            "the total time. The flows come from the admin API of dnsflow proxy (--admin, default",
            "127.0.0.1:9553): no privileges or packet capture needed. Filters combine with AND.",
            "",
            "Compact lines read:  time  client id=ID-received → dnsflow → upstream id=ID-sent rtt  name type  answer  total",
            "Colours on a terminal: green NOERROR, yellow NXDOMAIN or no records, red SERVFAIL/REFUSED/timeouts.",
            ""},
        footer = {"", "Examples:",
            "  dnsflow observe                                    the last 20 flows",
            "  dnsflow observe -f --rcode NXDOMAIN,SERVFAIL       follow failures as they happen",
            "  dnsflow observe --name '*.svc.cluster.local' --min-duration 100ms --since 10m -o table",
            "  dnsflow observe --outcome servfail --last 100 -o json | jq -r '.attempts[] | .upstream + \" \" + .outcome'",
            "  dnsflow observe --name example.com --last 1 -o yaml       read one flow field by field",
            "  kubectl -n kube-system port-forward deploy/coredns 9553 &  dnsflow observe -f   (dnsflow as a CoreDNS sidecar)",
            "",
            "Exit status: 0 done, 1 the API is unreachable or failed, 2 a bad option or filter value."})
public final class ObserveCommand implements Callable<Integer> {
    static final String DEFAULT_SERVER = "http://127.0.0.1:9553";
    static final String GAP_HEADER = "Dnsflow-Ring-Gap";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** "limit: '10' must be a whole number from 1 to 3": the API's answer when --last exceeds its ring. */
    private static final Pattern LIMIT_TOO_HIGH = Pattern.compile("limit: .* from 1 to (\\d+)\\s*");
    /** The API's query parameters and the flags that set them, to name the flag when the API rejects a value. */
    private static final Map<String, String> FLAGS = Map.of("name", "--name", "type", "--type", "rcode", "--rcode",
            "outcome", "--outcome", "client", "--client", "upstream", "--upstream", "min_duration", "--min-duration",
            "since", "--since", "limit", "--last");

    /** {@code --color}. */
    enum Color { AUTO, ALWAYS, NEVER }

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "URL", defaultValue = DEFAULT_SERVER,
            description = "The dnsflow admin API, as set by dnsflow proxy --admin (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--last", paramLabel = "N", defaultValue = "20",
            description = "Show the newest N matching flows, oldest first (default: ${DEFAULT-VALUE}; 0 with -f: only new ones).")
    int last;

    @Option(names = {"-f", "--follow"}, description = "After --last, print new flows as they finish, until Ctrl-C.")
    boolean follow;

    @Option(names = "--since", paramLabel = "TIME|DURATION",
            description = "Only flows that arrived after this: RFC 3339 (2026-11-25T19:21:17Z) or how long ago (30s, 5m, 1h).")
    String since;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Query name: example.com exactly, '*.example.com' for names under it, '~REGEX' to search.")
    String name;

    @Option(names = "--type", paramLabel = "TYPE[,TYPE...]", description = "Query type, e.g. A or AAAA,HTTPS.")
    String type;

    @Option(names = "--rcode", paramLabel = "RCODE[,RCODE...]", description = "Response code the client got, e.g. NXDOMAIN or SERVFAIL,REFUSED.")
    String rcode;

    @Option(names = "--outcome", paramLabel = "OUTCOME[,...]",
            description = "answered (the upstream's answer, any rcode) or what dnsflow answered itself: servfail, refused, formerr, notimp.")
    String outcome;

    @Option(names = "--client", paramLabel = "IP|CIDR", description = "Flows from this client address or range, e.g. 10.244.0.0/16.")
    String client;

    @Option(names = "--upstream", paramLabel = "IP[:PORT]", description = "Flows with an attempt to this upstream: 10.0.0.2 (any port) or 10.0.0.2:53.")
    String upstream;

    @Option(names = "--min-duration", paramLabel = "DURATION", description = "Flows that took at least this long, query to answer, e.g. 100ms.")
    String minDuration;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "compact", converter = FormatConverter.class,
            description = "compact | table | json | yaml (default: compact). json: one flow per line as the API sends it, for jq.")
    FlowPrinter.Format output;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorConverter.class,
            description = "auto | always | never: colour by outcome (auto: on a terminal, unless NO_COLOR is set).")
    Color color;

    @Override
    public Integer call() throws InterruptedException {
        URI base = base();
        if (last < 0 || last == 0 && !follow) {
            throw new ParameterException(spec.commandLine(), "--last: '" + last + "' must be 1 or more (0 only with --follow)");
        }
        PrintWriter err = spec.commandLine().getErr();
        FlowPrinter printer = new FlowPrinter(output, colored(), spec.commandLine().getOut());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
        Map<String, String> filters = filters();
        HttpResponse<InputStream> stream = null;
        try {
            if (follow) {
                // Subscribe before listing, so no flow falls between the two; the list's flows are not repeated.
                stream = stream(http, base, filters);
            }
            Set<String> shown = new HashSet<>();
            if (last > 0) {
                List<JsonNode> flows = list(http, base, filters, last);
                flows.forEach(f -> shown.add(f.path("id").asText()));
                printer.print(flows);
                if (flows.isEmpty() && !follow) {
                    err.println("no flows match" + (filters.isEmpty() ? " (has dnsflow forwarded any query yet?)" : " these filters"));
                }
            }
            return stream == null ? 0 : follow(stream, base, printer, shown);
        } catch (Failure e) {
            err.println("dnsflow observe: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
            if (stream != null) {
                closeQuietly(stream.body());
            }
        }
    }

    private List<JsonNode> list(HttpClient http, URI base, Map<String, String> filters, int limit)
            throws Failure, InterruptedException {
        Map<String, String> params = new LinkedHashMap<>(filters);
        params.put("limit", String.valueOf(limit));
        URI uri = uri(base, "/api/v1/flows", params);
        HttpResponse<String> response = send(http, base, () -> http.send(HttpRequest.newBuilder(uri).timeout(LIST_TIMEOUT).GET()
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        Matcher tooHigh = LIMIT_TOO_HIGH.matcher(response.body());
        if (response.statusCode() == 400 && tooHigh.matches() && Integer.parseInt(tooHigh.group(1)) < limit) {
            int max = Integer.parseInt(tooHigh.group(1));
            warn("--last " + limit + ": dnsflow keeps only the newest " + max + " flows (its --flow-buffer); showing up to " + max);
            return list(http, base, filters, max);
        }
        check(response.statusCode(), response.body(), uri);
        response.headers().firstValue(GAP_HEADER).ifPresent(this::warn);
        List<JsonNode> flows = new ArrayList<>();
        JsonNode array = parse(response.body(), uri);
        if (!array.isArray()) {
            throw new Failure(uri + " did not answer with a list of flows (is --server a dnsflow admin API?)");
        }
        array.forEach(flows::add);
        Collections.reverse(flows); // the API sends newest first; print like tail
        return flows;
    }

    private HttpResponse<InputStream> stream(HttpClient http, URI base, Map<String, String> filters)
            throws Failure, InterruptedException {
        URI uri = uri(base, "/api/v1/flows/stream", filters);
        HttpResponse<InputStream> response = send(http, base, () -> http.send(HttpRequest.newBuilder(uri)
                .header("Accept", "application/x-ndjson").GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            check(response.statusCode(), body, uri);
        }
        return response;
    }

    /** Prints the stream's flows until the server ends it (an error: dnsflow went away) or Ctrl-C. */
    private int follow(HttpResponse<InputStream> stream, URI base, FlowPrinter printer, Set<String> shown) throws Failure {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue; // the server's heartbeat
                }
                JsonNode node = parse(line, base);
                JsonNode gap = node.get("gap");
                if (gap != null && node.size() == 1) {
                    PrintWriter err = spec.commandLine().getErr();
                    err.println("… " + gap.path("skipped").asLong() + " flows skipped (this reader was too slow)");
                    err.flush();
                } else if (!shown.remove(node.path("id").asText())) {
                    printer.print(node);
                }
            }
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                return 0;
            }
            throw new Failure("lost the flow stream from the dnsflow admin API at " + base + ": " + reason(e));
        }
        throw new Failure("the dnsflow admin API at " + base + " ended the flow stream (did dnsflow stop?)");
    }

    /** 200 passes; 400 is a bad flag value (exit 2, naming the flag); anything else is a failure (exit 1). */
    private void check(int status, String body, URI uri) throws Failure {
        String message = body.strip();
        if (status == 200) {
            return;
        }
        if (status == 400) {
            for (Map.Entry<String, String> e : FLAGS.entrySet()) {
                if (message.startsWith(e.getKey() + ":")) {
                    throw new ParameterException(spec.commandLine(), e.getValue() + message.substring(e.getKey().length()));
                }
            }
            throw new ParameterException(spec.commandLine(), "the API rejected the request: " + message);
        }
        String hint = status == 404 ? " (is --server the admin address of a dnsflow proxy with the flows API?)" : "";
        throw new Failure(uri.getPath() + " answered " + status + (message.isEmpty() ? "" : ": " + message.lines().findFirst()
                .orElse("")) + hint);
    }

    private JsonNode parse(String text, URI uri) throws Failure {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Failure(uri + " did not answer with JSON (is --server a dnsflow admin API?)");
        }
    }

    private void warn(String text) {
        spec.commandLine().getErr().println("warning: " + text);
        spec.commandLine().getErr().flush();
    }

    /** The filters that were given, as the API's query parameters. */
    Map<String, String> filters() {
        Map<String, String> params = new LinkedHashMap<>();
        String[][] pairs = {{"name", name}, {"type", type}, {"rcode", rcode}, {"outcome", outcome}, {"client", client},
            {"upstream", upstream}, {"min_duration", minDuration}, {"since", since}};
        for (String[] p : pairs) {
            if (p[1] != null) {
                params.put(p[0], p[1]);
            }
        }
        return params;
    }

    static URI uri(URI base, String path, Map<String, String> params) {
        StringJoiner query = new StringJoiner("&", params.isEmpty() ? "" : "?", "");
        params.forEach((k, v) -> query.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return URI.create(base + path + query);
    }

    private URI base() {
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
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), "--server: '" + server + "' is not an http:// URL (e.g. " + DEFAULT_SERVER + ")");
    }

    private boolean colored() {
        if (color != Color.AUTO) {
            return color == Color.ALWAYS;
        }
        String noColor = System.getenv("NO_COLOR");
        return Terminal.isTerminal() && (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
    }

    /** An HTTP call that either answers or fails in a way the user can act on. */
    @FunctionalInterface
    private interface Call<T> {
        HttpResponse<T> send() throws IOException, InterruptedException;
    }

    private static <T> HttpResponse<T> send(HttpClient http, URI base, Call<T> call) throws Failure, InterruptedException {
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

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** A failure to report in one line with exit code 1. */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** Whether stdout is a terminal: System.console(), and on Java 22+ also Console.isTerminal(). */
    private static final class Terminal {
        static boolean isTerminal() {
            java.io.Console console = System.console();
            if (console == null) {
                return false;
            }
            try {
                return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException olderJava) {
                return true;
            }
        }
    }

    static final class FormatConverter implements ITypeConverter<FlowPrinter.Format> {
        @Override
        public FlowPrinter.Format convert(String value) {
            return Converters.clean(value, FlowPrinter.Format::parse);
        }
    }

    static final class ColorConverter implements ITypeConverter<Color> {
        @Override
        public Color convert(String value) {
            return Converters.clean(value, v -> {
                try {
                    return Color.valueOf(v.strip().toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + v + "': give auto, always or never");
                }
            });
        }
    }
}
