package dev.dnsflow.k8s.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.k8s.testing.MockCluster;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the API server may answer install and uninstall besides yes: 403 (named with verb and resource, before or at the
 * write), 409 (read again and retried), and a failure after some objects were written (those put back). fabric8's mock
 * in CRUD mode keeps the objects; the faults are its expectations, which it answers before CRUD (its mixed dispatcher),
 * each for the requests one test names. (WireMock proxying to the CRUD mock does not work: the mock then answers a
 * single object's GET with a List.) The unreachable server is a closed port.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InstallApiFaultsTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
    private static final String DEPLOYMENT = "/apis/apps/v1/namespaces/kube-system/deployments/coredns";
    private static final String CONFIGMAP = "/api/v1/namespaces/kube-system/configmaps/coredns";
    /** A stand-in for the command line's Corefile patcher: only the forward line changes. */
    private static final CorefileRewriter REWRITER = (corefile, name, version) -> {
        String text = corefile.replace("forward . /etc/resolv.conf", "forward . 127.0.0.1:5353");
        boolean changed = !text.equals(corefile);
        return new CorefileRewriter.Rewrite(text, changed, changed ? List.of("/etc/resolv.conf") : List.of(), List.of(), List.of());
    };

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;
    KubernetesMockServer server;

    private final List<String> progress = new ArrayList<>();
    private MockCluster cluster;
    private KubernetesClient api;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new MockCluster(client);
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        // as the command line makes it: no request retries, so a failure is heard at once
        api = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0)
                .build()).build();
    }

    @AfterEach
    void tearDown() {
        api.close();
        cluster.close();
    }

    private void install() {
        Coredns coredns = CorednsFinder.find(api, "kube-system", null, null);
        Plan plan = new InstallPlanner(api, REWRITER).plan(coredns, "dnsflow:test", "test", Duration.ofSeconds(10));
        new Changes(api, progress::add).apply(plan);
    }

    private void uninstall() {
        Coredns coredns = CorednsFinder.find(api, "kube-system", null, null);
        new Changes(api, progress::add).apply(new UninstallPlanner(api, REWRITER).plan(coredns, false, null));
    }

    @Test
    void aWriteTheRoleLacksIsNamedBeforeAnythingIsWritten() {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").andReturn(201, """
                {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{},"status":{"allowed":false}}""")
                .always();
        MockCluster.Snapshot before = cluster.snapshot();

        assertThatThrownBy(this::install).isInstanceOf(InstallException.class)
                .hasMessageContaining("may not create clusterroles (cluster-wide), create clusterrolebindings (cluster-wide), "
                        + "create secrets in kube-system, update deployments in kube-system, update configmaps in kube-system")
                .hasMessageContaining("nothing was changed")
                .hasMessageContaining("kubectl auth can-i --list");

        assertThat(cluster.snapshot()).isEqualTo(before);
    }

    @Test
    void a403AtTheWriteNamesVerbResourceAndNamespaceAndWhatWasWrittenIsRolledBack() {
        server.expect().put().withPath(CONFIGMAP).andReturn(403, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,
                 "message":"configmaps \\"coredns\\" is forbidden: User \\"dev\\" cannot update resource \\"configmaps\\" in API group \\"\\" in the namespace \\"kube-system\\""}""")
                .always();
        MockCluster.Snapshot before = cluster.snapshot();

        assertThatThrownBy(this::install).isInstanceOf(InstallException.class)
                .hasMessageContaining("cannot update configmaps in kube-system: the API server refused (403 Forbidden)")
                .hasMessageContaining("User \"dev\" cannot update resource")
                .hasMessageContaining("rolled back everything: put Deployment kube-system/coredns back as it was")
                .hasMessageContaining("deleted ClusterRole dnsflow");

        assertThat(cluster.snapshot()).isEqualTo(before);
    }

    @Test
    void aConflictIsAnsweredByReadingAgainAndRetryingOnTheFreshObject() {
        Coredns coredns = CorednsFinder.find(api, "kube-system", null, null);
        Plan plan = new InstallPlanner(api, REWRITER).plan(coredns, "dnsflow:test", "test", Duration.ofSeconds(10));
        // someone else's change lands after we planned: the write must keep it
        Deployment theirs = cluster.deployment();
        theirs.getSpec().setReplicas(3);
        client.resource(theirs).update();
        server.expect().put().withPath(DEPLOYMENT).andReturn(409, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,
                 "message":"Operation cannot be fulfilled on deployments.apps \\"coredns\\": the object has been modified"}""")
                .once();

        new Changes(api, progress::add).apply(plan);

        assertThat(progress).anyMatch(p -> p.contains("changed since we read it; reading it again"));
        Deployment d = cluster.deployment();
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).extracting(c -> c.getName()).containsExactly("coredns", "dnsflow");
        assertThat(cluster.configMap().getData().get("Corefile")).contains("forward . 127.0.0.1:5353");
    }

    /**
     * Uninstall writes the original Corefile first (CoreDNS forwards straight upstream again), then the Deployment. When
     * that fails, putting the patched Corefile back would point CoreDNS at a sidecar that may be gone: it stays, the
     * message says what is left, and running uninstall again finishes.
     */
    @Test
    void aFailureAfterUninstallWroteTheConfigMapKeepsTheOriginalCorefileAndASecondRunFinishes() {
        MockCluster.Snapshot fixture = cluster.snapshot();
        String original = cluster.configMap().getData().get("Corefile");
        install();
        server.expect().put().withPath(DEPLOYMENT).andReturn(500, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","code":500,"message":"etcdserver: request timed out"}""")
                .once();

        assertThatThrownBy(this::uninstall).isInstanceOf(InstallException.class)
                .hasMessageContaining("cannot update deployments in kube-system: 500 from the API server: etcdserver: request timed out")
                .hasMessageContaining("done before that: updated ConfigMap kube-system/coredns, deleted ClusterRole dnsflow")
                .hasMessageContaining("not done: update Deployment kube-system/coredns").hasMessageContaining("run the command again");

        assertThat(cluster.configMap().getData().get("Corefile")).as("the original stays").isEqualTo(original);
        assertThat(cluster.deployment().getSpec().getTemplate().getSpec().getContainers()).hasSize(2);

        uninstall();

        assertThat(cluster.snapshot()).isEqualTo(fixture);
    }

    @Test
    void anUnreachableApiServerIsSaidSo() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        KubernetesClient nowhere = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0).build()).build();
        assertThatThrownBy(() -> CorednsFinder.find(nowhere, "kube-system", null, null)).isInstanceOf(InstallException.class)
                .hasMessageContaining("cannot get deployments in kube-system: the API server did not answer");
    }


}
