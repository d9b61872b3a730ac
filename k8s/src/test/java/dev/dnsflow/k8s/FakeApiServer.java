package dev.dnsflow.k8s;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * WireMock playing the Kubernetes API server for what the CRUD mock cannot fake: refusals, 410 on a
 * watch, 429, 500s, a hanging list, a reset connection. Every watched resource starts healthy (an
 * empty list, then a watch that stays open and says nothing); {@link #onList} and {@link #onWatch}
 * replace one resource's answers (the newest stub wins).
 */
final class FakeApiServer implements AutoCloseable {
    /** What {@link ClusterWatch} watches, by the name its metrics use. */
    enum Resource {
        PODS("/api/v1/pods", "v1", "PodList"),
        SERVICES("/api/v1/services", "v1", "ServiceList"),
        NODES("/api/v1/nodes", "v1", "NodeList"),
        REPLICASETS("/apis/apps/v1/replicasets", "apps/v1", "ReplicaSetList"),
        JOBS("/apis/batch/v1/jobs", "batch/v1", "JobList");

        final String path;
        final String apiVersion;
        final String listKind;

        Resource(String path, String apiVersion, String listKind) {
            this.path = path;
            this.apiVersion = apiVersion;
            this.listKind = listKind;
        }

        String metric() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final String TOKEN = "fake-token";

    private final WireMockServer wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
            .containerThreads(40).asynchronousResponseEnabled(true));

    FakeApiServer() {
        wireMock.start();
        healthy();
    }

    /** Forgets every stub and request, then answers every list with an empty list and every watch with silence. */
    void healthy() {
        wireMock.resetAll();
        for (Resource r : Resource.values()) {
            onList(r, emptyList(r));
            onWatch(r, quietWatch());
        }
    }

    String url() {
        return "http://127.0.0.1:" + wireMock.port();
    }

    WireMockServer wireMock() {
        return wireMock;
    }

    void onList(Resource resource, ResponseDefinitionBuilder answer) {
        wireMock.stubFor(get(urlPathEqualTo(resource.path)).withQueryParam("watch", absent()).willReturn(answer));
    }

    void onWatch(Resource resource, ResponseDefinitionBuilder answer) {
        wireMock.stubFor(get(urlPathEqualTo(resource.path)).withQueryParam("watch", equalTo("true")).willReturn(answer));
    }

    /** Every resource answers every request (list and watch) with {@code answer}. */
    void onEverything(ResponseDefinitionBuilder answer) {
        for (Resource r : Resource.values()) {
            wireMock.stubFor(get(urlPathEqualTo(r.path)).willReturn(answer));
        }
    }

    static ResponseDefinitionBuilder emptyList(Resource r) {
        return json(200, "{\"kind\":\"" + r.listKind + "\",\"apiVersion\":\"" + r.apiVersion
                + "\",\"metadata\":{\"resourceVersion\":\"100\"},\"items\":[]}");
    }

    /** A watch that stays open for a minute (headers at once, a bookmark now and then) and reports no change. */
    static ResponseDefinitionBuilder quietWatch() {
        String bookmark = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"100\"}}}\n";
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(bookmark.repeat(60)).withChunkedDribbleDelay(60, 60_000);
    }

    /** A Kubernetes {@code Status} as the API server sends it with an error code. */
    static ResponseDefinitionBuilder status(int code, String reason, String message) {
        return json(code, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"" + message + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }

    /** The 403 an API server sends when the role lacks {@code list} on {@code resource} at cluster scope. */
    static ResponseDefinitionBuilder forbidden(String resource) {
        return status(403, "Forbidden", resource + " is forbidden: User \\\"system:serviceaccount:dns:dnsflow\\\" cannot list "
                + "resource \\\"" + resource + "\\\" in API group \\\"\\\" at the cluster scope");
    }

    static ResponseDefinitionBuilder json(int code, String body) {
        return aResponse().withStatus(code).withHeader("Content-Type", "application/json").withBody(body);
    }

    List<LoggedRequest> requests() {
        return wireMock.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }

    /** Lists of {@code resource} so far (informers' and preflight's; watches not counted). */
    int lists(Resource resource) {
        return wireMock.findAll(getRequestedFor(urlPathEqualTo(resource.path)).withQueryParam("watch", absent())).size();
    }

    /** Lists by an informer: without the preflight's {@code limit=1}. */
    int informerLists(Resource resource) {
        return (int) wireMock.findAll(getRequestedFor(urlPathEqualTo(resource.path)).withQueryParam("watch", absent()))
                .stream().filter(r -> !r.queryParameter("limit").isPresent()
                        || !r.queryParameter("limit").containsValue("1")).count();
    }

    int watches(Resource resource) {
        return wireMock.findAll(getRequestedFor(urlPathEqualTo(resource.path)).withQueryParam("watch", equalTo("true")))
                .size();
    }

    /**
     * A kubeconfig whose current context {@code dead} points at a closed port and whose context {@code fake}
     * points at this server, both with a token user.
     */
    Path kubeconfig(Path dir, String currentContext) {
        return writeKubeconfig(dir, currentContext, url(), "http://127.0.0.1:" + closedPort());
    }

    static Path writeKubeconfig(Path dir, String currentContext, String fakeServer, String deadServer) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster:
                    server: %s
                - name: dead
                  cluster:
                    server: %s
                users:
                - name: dnsflow
                  user:
                    token: %s
                contexts:
                - name: fake
                  context: {cluster: fake, user: dnsflow}
                - name: dead
                  context: {cluster: dead, user: dnsflow}
                current-context: %s
                """.formatted(fakeServer, deadServer, TOKEN, currentContext);
        try {
            return Files.writeString(Files.createTempFile(dir, "kubeconfig", ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port nobody listens on (connection refused at once). */
    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        wireMock.stop();
    }
}
