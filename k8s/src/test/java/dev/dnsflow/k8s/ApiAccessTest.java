package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.k8s.FakeApiServer.Resource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preflight says what went wrong as soon as it is known. Regression: the client's own retries
 * (connection refused, 429 and 5xx, backoff up to ~20 s in all) used to run the check into its 10 s
 * deadline, so an API server that was simply not listening read "did not answer within 10s".
 */
class ApiAccessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final FakeApiServer api = new FakeApiServer();

    @AfterEach
    void stop() {
        api.close();
    }

    private KubernetesClient client(String context) {
        return KubeConfigs.client(KubeConfigs.resolve(api.kubeconfig(dir, context), null, Map.of(), dir));
    }

    @Test
    void aClosedPortIsUnreachableAtOnce() throws Exception {
        try (KubernetesClient client = client("dead")) {
            long start = System.nanoTime();

            assertThat(ApiAccess.problem(client, TIMEOUT)).startsWith("cannot reach the API server at http://127.0.0.1:")
                    .contains("refused");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aServerErrorIsReportedAfterOneTryAndTheInformersKeepTheirRetries() throws Exception {
        api.onList(Resource.PODS, FakeApiServer.status(500, "InternalError", "etcdserver: request timed out"));
        try (KubernetesClient client = client("fake")) {
            Integer retries = client.getConfiguration().getRequestRetryBackoffLimit();
            long start = System.nanoTime();

            assertThat(ApiAccess.problem(client, TIMEOUT))
                    .endsWith("answered 500 to listing pods (\"etcdserver: request timed out\")");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(api.lists(Resource.PODS)).isEqualTo(1);
            assertThat(client.getConfiguration().getRequestRetryBackoffLimit()).isEqualTo(retries).isPositive();
        }
    }

    @Test
    void everyWatchedResourceIsListedOnceWhenAllIsWell() throws Exception {
        try (KubernetesClient client = client("fake")) {
            assertThat(ApiAccess.problem(client, TIMEOUT)).isNull();
        }
        for (Resource r : Resource.values()) {
            assertThat(api.lists(r)).as(r.metric()).isEqualTo(1);
        }
    }

    /** A role with get and list but no watch would pass every list, and no name would ever come. */
    @Test
    void aRoleThatMayListButNotWatchIsNamedWithTheVerb() throws Exception {
        api.wireMock().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("\"resource\":\"services\""))
                .willReturn(FakeApiServer.json(201, "{\"kind\":\"SelfSubjectAccessReview\",\"apiVersion\":"
                        + "\"authorization.k8s.io/v1\",\"spec\":{},\"status\":{\"allowed\":false}}")));
        try (KubernetesClient client = client("fake")) {
            assertThat(ApiAccess.problem(client, TIMEOUT)).startsWith("forbidden to watch services at cluster scope")
                    .contains("get, list and watch");
        }
    }

    @Test
    void anApiThatCannotBeAskedAboutWatchingIsGivenTheBenefitOfTheDoubt() throws Exception {
        // FakeApiServer answers no access review: the lists passed, so nothing is reported
        try (KubernetesClient client = client("fake")) {
            assertThat(ApiAccess.problem(client, TIMEOUT)).isNull();
        }
    }
}
