package dev.dnsflow.k8s;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.dnsflow.k8s.FakeApiServer.Resource;
import dev.dnsflow.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server misbehaving while dnsflow serves: every DNS answer still arrives, right and as fast as
 * with a healthy API (names are looked up on the recorder's thread, never on the answer's path), and the
 * metrics say what happened. Each test measures a healthy baseline first, then the same under the fault.
 */
class KubernetesApiFaultsTest {
    /** How long DNS is asked under a fault: long enough for several informer retries, short enough for CI. */
    private static final Duration LOAD = Duration.ofSeconds(3);
    private static final int QUERIES = 300;
    /** Noise allowed between two medians of loopback round trips. */
    private static final long NOISE_NANOS = 5_000_000;

    @TempDir
    Path dir;

    private final FakeApiServer api = new FakeApiServer();
    private long healthyMedian;
    private KubeProxy proxy;

    @BeforeEach
    void measureAHealthyApi() throws Exception {
        try (KubeProxy healthy = start()) {
            awaitTrue(healthy::allSynced, "every resource listed");
            healthyMedian = KubeProxy.median(healthy.askFor(Duration.ZERO, QUERIES));
        }
        api.healthy();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        api.close();
    }

    private KubeProxy start() throws Exception {
        return KubeProxy.start(Map.of("HOME", dir.toString()), "--kubernetes", "auto", "--kubeconfig",
                api.kubeconfig(dir, "fake").toString());
    }

    /** Starts dnsflow against the API as the test set it up and asks DNS for {@link #LOAD}: nothing lost, nothing slower. */
    private void serveThroughTheFault() throws Exception {
        proxy = start();
        long[] took = proxy.askFor(LOAD, QUERIES);
        assertThat(KubeProxy.lost(took)).as("answers lost or wrong").isZero();
        assertThat(KubeProxy.median(took)).as("median latency (ns) against a healthy median of " + healthyMedian)
                .isLessThan(healthyMedian + NOISE_NANOS);
    }

    private void awaitErrors(String resource, String reason) throws InterruptedException {
        awaitTrue(() -> proxy.watchErrors(resource, reason) > 0,
                () -> "dnsflow_kubernetes_watch_errors_total{resource=" + resource + ",reason=" + reason + "}; counted: "
                        + proxy.watchErrors());
    }

    @Test
    void refusedCredentialsAreCountedAndNothingIsSynced() throws Exception {
        api.onEverything(FakeApiServer.status(401, "Unauthorized", "Unauthorized"));

        serveThroughTheFault();

        awaitErrors("pods", "http_401");
        assertThat(proxy.synced("pods")).isZero();
        assertThat(proxy.notices()).singleElement().asString().contains("401");
    }

    @Test
    void aForbiddenResourceIsCountedWhileTheOthersSync() throws Exception {
        api.onList(Resource.PODS, FakeApiServer.forbidden("pods"));

        serveThroughTheFault();

        awaitErrors("pods", "http_403");
        assertThat(proxy.synced("pods")).isZero();
        assertThat(proxy.synced("services")).isEqualTo(1);
        assertThat(proxy.notices()).singleElement().asString().contains("list pods");
    }

    @Test
    void aWatchGoneIsCountedAndTheInformerListsAgain() throws Exception {
        api.onWatch(Resource.PODS, FakeApiServer.status(410, "Expired", "too old resource version: 100 (200)"));

        serveThroughTheFault();

        awaitErrors("pods", "gone");
        awaitTrue(() -> api.informerLists(Resource.PODS) >= 2, () -> "pods re-listed; lists: " + api.informerLists(Resource.PODS));
        assertThat(proxy.synced("pods")).isEqualTo(1);
        assertThat(proxy.notices()).isEmpty();
    }

    @Test
    void tooManyRequestsIsCountedAndNotHammered() throws Exception {
        api.onList(Resource.PODS, FakeApiServer.status(429, "TooManyRequests", "too many requests")
                .withHeader("Retry-After", "1"));

        serveThroughTheFault();

        awaitErrors("pods", "http_429");
        int before = api.lists(Resource.PODS);
        Thread.sleep(2_000);
        assertThat(api.lists(Resource.PODS) - before).as("pod lists in 2 s, told to retry after 1 s").isLessThanOrEqualTo(4);
        assertThat(proxy.synced("pods")).isZero();
    }

    @Test
    void aBurstOfServerErrorsIsCountedThenTheInformerSyncs() throws Exception {
        api.onList(Resource.PODS, FakeApiServer.status(500, "InternalError", "etcdserver: leader changed"));

        serveThroughTheFault();

        awaitErrors("pods", "http_500");
        assertThat(proxy.synced("pods")).isZero();
        api.onList(Resource.PODS, FakeApiServer.emptyList(Resource.PODS));
        awaitTrue(() -> proxy.synced("pods") == 1, "pods listed once the errors stop");
    }

    @Test
    void aListThatHangsDelaysNoAnswer() throws Exception {
        api.onList(Resource.PODS, FakeApiServer.emptyList(Resource.PODS).withFixedDelay(30_000));

        serveThroughTheFault();

        assertThat(proxy.synced("pods")).isZero();
        assertThat(proxy.synced("services")).isEqualTo(1);
        assertThat(api.wireMock().getServeEvents().getRequests()).as("the hanging list was asked")
                .anyMatch(e -> e.getRequest().getUrl().startsWith(Resource.PODS.path));
    }

    /**
     * fabric8 re-opens a reset watch by itself (backoff from 1 s) without telling the informer, so the reset
     * is not in {@code watch_errors}: {@code watch_opens} shows each re-open, the list stands and the watch is
     * not hammered.
     */
    @Test
    void aWatchResetIsCountedAsReopenedWithoutHammering() throws Exception {
        api.onWatch(Resource.PODS, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        serveThroughTheFault();

        awaitTrue(() -> proxy.watchOpens("pods") >= 3, () -> "pods watched again; opens: " + proxy.watchOpens("pods"));
        // every open counted reached the server (but one that may be under way); the JDK's HTTP client may also
        // repeat a GET whose connection was reset once by itself, which the server sees and we do not count
        assertThat((double) api.watches(Resource.PODS)).as("watches the server saw vs opens counted")
                .isGreaterThanOrEqualTo(proxy.watchOpens("pods") - 1);
        double before = proxy.watchOpens("pods");
        Thread.sleep(2_000);
        assertThat(proxy.watchOpens("pods") - before).as("pod watches in 2 s").isLessThanOrEqualTo(4);
        assertThat(proxy.watchOpens("services")).as("a healthy watch: opened once").isEqualTo(1);
        assertThat(proxy.watchErrors()).isEmpty();
        assertThat(proxy.synced("pods")).as("the list stands").isEqualTo(1);
        assertThat(proxy.notices()).isEmpty();
    }

    /**
     * A watch the server ends cleanly (here at once, after one bookmark; a real API server after its 5-10
     * min timeout) is re-opened: counted in {@code watch_opens}, never in {@code watch_errors}.
     */
    @Test
    void aWatchTheServerEndsIsReopenedAndNotAnError() throws Exception {
        api.onWatch(Resource.PODS, FakeApiServer.json(200, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\","
                + "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"100\"}}}\n"));

        serveThroughTheFault();

        awaitTrue(() -> proxy.watchOpens("pods") >= 4, () -> "pods watched again; opens: " + proxy.watchOpens("pods"));
        assertThat(proxy.watchErrors()).isEmpty();
        assertThat(proxy.synced("pods")).isEqualTo(1);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        Eventually.await(condition, Duration.ofSeconds(15), what);
    }

    private static void awaitTrue(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        Eventually.await(condition, Duration.ofSeconds(15), what);
    }
}
