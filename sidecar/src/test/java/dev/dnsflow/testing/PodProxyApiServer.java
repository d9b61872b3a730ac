package dev.dnsflow.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two things of a Kubernetes API server that {@code observe/diagnose --kubernetes} use, over plain HTTP on
 * 127.0.0.1: the pod list ({@code GET /api/v1/pods} and {@code /api/v1/namespaces/NS/pods}, by label selector) and
 * the pod proxy ({@code /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH}), which forwards to the pod's IP and port
 * and streams the answer back chunk by chunk (fabric8's CRUD mock cannot proxy, and WireMock buffers). Like the real
 * one, it answers 503 with a Status when the pod refuses the connection; {@link #fail} makes a pod's proxy answer 503
 * without trying. Every request must carry the kubeconfig's bearer token.
 */
public final class PodProxyApiServer implements AutoCloseable {
    public static final String TOKEN = "test-token";
    private static final Pattern PROXY = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/:]+):(\\d+)/proxy(/.*)");
    private static final Pattern LIST = Pattern.compile("/api/v1(?:/namespaces/([^/]+))?/pods");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Pod> pods = new CopyOnWriteArrayList<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Where requests for anything but pods go (a CRUD mock API server), or null: 404. */
    private volatile String backend;
    /** The query strings of the pod lists asked for, undecoded. */
    public final List<String> listQueries = new CopyOnWriteArrayList<>();

    public PodProxyApiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-api-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** A running dnsflow pod at 127.0.0.1 whose container declares its admin port as the port named "admin". */
    public PodProxyApiServer runningPod(String namespace, String name, int adminPort) {
        return pod(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("app.kubernetes.io/name", "dnsflow").endMetadata()
                .withNewSpec().addNewContainer().withName("dnsflow").addNewPort().withName("admin").withContainerPort(adminPort)
                .endPort().addNewPort().withName("dns").withContainerPort(53).endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build());
    }

    public PodProxyApiServer pod(Pod pod) {
        pods.add(pod);
        return this;
    }

    /** GETs of anything but pods and their proxy go to this API server (fabric8's CRUD mock), with their headers. */
    public PodProxyApiServer backend(String url) {
        backend = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return this;
    }

    /** The pod proxy of this pod answers 503 from now on. */
    public void fail(String namespace, String name) {
        failing.add(namespace + "/" + name);
    }

    /** A kubeconfig pointing at this server with a bearer token, in {@code dir}. */
    public Path kubeconfig(Path dir) throws IOException {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: http://127.0.0.1:%d
                contexts:
                - name: test
                  context:
                    cluster: test
                    user: test
                current-context: test
                users:
                - name: test
                  user:
                    token: %s
                """.formatted(server.getAddress().getPort(), TOKEN);
        return Files.writeString(dir.resolve("kubeconfig"), yaml);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, status(401, "Unauthorized", "Unauthorized"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            Matcher proxy = PROXY.matcher(path);
            Matcher list = LIST.matcher(path);
            if (proxy.matches()) {
                proxy(exchange, proxy.group(1), proxy.group(2), Integer.parseInt(proxy.group(3)), proxy.group(4));
            } else if (list.matches()) {
                list(exchange, list.group(1));
            } else if (backend != null && "GET".equals(exchange.getRequestMethod())) {
                forward(exchange);
            } else {
                send(exchange, 404, status(404, "NotFound", "the server could not find the requested resource"));
            }
        }
    }

    private void list(HttpExchange exchange, String namespace) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        listQueries.add(query == null ? "" : query);
        String selector = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery()
                .replaceAll(".*labelSelector=([^&]*).*", "$1");
        String[] kv = selector.split("=", 2);
        List<Pod> matching = pods.stream()
                .filter(p -> namespace == null || namespace.equals(p.getMetadata().getNamespace()))
                .filter(p -> kv.length == 2 && kv[1].equals(p.getMetadata().getLabels().get(kv[0]))).toList();
        send(exchange, 200, Serialization.asJson(new PodListBuilder().withNewMetadata().withResourceVersion("1").endMetadata()
                .withItems(matching).build()));
    }

    private void proxy(HttpExchange exchange, String namespace, String name, int port, String rest) throws IOException {
        Pod pod = pods.stream().filter(p -> namespace.equals(p.getMetadata().getNamespace()) && name.equals(p.getMetadata().getName()))
                .findFirst().orElse(null);
        if (pod == null) {
            send(exchange, 404, status(404, "NotFound", "pods \"" + name + "\" not found"));
            return;
        }
        if (failing.contains(namespace + "/" + name)) {
            send(exchange, 503, status(503, "ServiceUnavailable", "error trying to reach service: dial tcp "
                    + pod.getStatus().getPodIP() + ":" + port + ": i/o timeout"));
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        URI target = URI.create("http://" + pod.getStatus().getPodIP() + ":" + port + rest + (query == null ? "" : "?" + query));
        HttpResponse<InputStream> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(target).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            send(exchange, 503, status(503, "ServiceUnavailable", "error trying to reach service: dial tcp "
                    + pod.getStatus().getPodIP() + ":" + port + ": connect: connection refused"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        answer.headers().map().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("transfer-encoding") && !k.equalsIgnoreCase("connection")
                    && !k.startsWith(":")) {
                exchange.getResponseHeaders().put(k, v);
            }
        });
        exchange.sendResponseHeaders(answer.statusCode(), 0); // chunked: pass each piece on as it comes
        try (InputStream in = answer.body(); OutputStream out = exchange.getResponseBody()) {
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException dropped) {
            // either side went away: the stream ends
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        URI target = URI.create(backend + exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query));
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(target).GET().build(), HttpResponse.BodyHandlers.ofString());
            send(exchange, answer.statusCode(), answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String status(int code, String reason, String message) {
        return Serialization.asJson(Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "message", message,
                "reason", reason, "code", code));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
