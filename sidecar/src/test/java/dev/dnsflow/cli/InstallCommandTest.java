package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.CliRun;
import dev.dnsflow.k8s.testing.MockCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code dnsflow install} and {@code uninstall} as a user runs them, against fabric8's CRUD mock API server loaded with
 * CoreDNS as each distribution ships it: what install writes, that a second install writes nothing, that uninstall
 * leaves the objects as they were byte for byte, and the refusals.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InstallCommandTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
    private static final String IMAGE = "registry.example.com/dnsflow:1.2.3";

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path dir;

    private MockCluster cluster;
    private String kubeconfig;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new MockCluster(client);
        kubeconfig = cluster.kubeconfig(dir).toString();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private CliRun dnsflow(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--kubeconfig", kubeconfig));
        return CliRun.dnsflow(all.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kubeadm", "k3s", "eks", "minikube"})
    void installsTheSidecarAndPatchesTheCorefileThenUninstallLeavesEverythingAsItWas(String distribution) throws Exception {
        cluster.load(distribution);
        cluster.rolloutsComplete();
        ConfigMap cmBefore = configMap();
        Deployment before = deployment();
        MockCluster.Snapshot fixture = cluster.snapshot();

        CliRun install = dnsflow("install", "--image", IMAGE);

        assertThat(install.code()).as(install.err() + install.out()).isZero();
        assertThat(install.out()).contains("created ClusterRole dnsflow").contains("updated Deployment kube-system/coredns")
                .contains("rollout of kube-system/coredns complete").contains("updated ConfigMap kube-system/coredns").contains("installed.");
        Deployment d = deployment();
        Container sidecar = container(d, "dnsflow");
        assertThat(sidecar.getImage()).isEqualTo(IMAGE);
        assertThat(sidecar.getArgs()).startsWith("sidecar", "--listen=127.0.0.1:5353")
                .contains("--dnstap-listen=unix:/var/run/dnsflow/dnstap.sock").noneMatch(a -> a.startsWith("--upstream"));
        assertThat(container(d, "coredns").getVolumeMounts()).anyMatch(m -> m.getName().equals("dnsflow-run")
                && m.getMountPath().equals("/var/run/dnsflow"));
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "dnsflow")
                .as("the selector's label stays").containsAllEntriesOf(before.getSpec().getSelector().getMatchLabels());
        assertThat(d.getSpec().getSelector()).isEqualTo(before.getSpec().getSelector());
        assertThat(d.getMetadata().getAnnotations()).containsKeys("dnsflow.dev/installed", "dnsflow.dev/original-pod-template")
                .containsEntry("dnsflow.dev/created",
                        "ClusterRole/dnsflow,ClusterRoleBinding/dnsflow-coredns,Secret/kube-system/dnsflow-admin-token");

        String corefile = configMap().getData().get("Corefile");
        assertThat(corefile).contains("forward . 127.0.0.1:5353").contains("# dnsflow forwards to: /etc/resolv.conf")
                .contains("dnstap unix:///var/run/dnsflow/dnstap.sock full")
                .contains("rewrite continue edns0 local set 0xffee {client_ip}").doesNotContain("forward . /etc/resolv.conf");
        assertThat(configMap().getMetadata().getAnnotations()).containsEntry("dnsflow.dev/original-corefile",
                cmBefore.getData().get("Corefile"));
        cmBefore.getData().forEach((k, v) -> {
            if (!k.equals("Corefile")) {
                assertThat(configMap().getData()).as("other keys (k3s's NodeHosts) stay").containsEntry(k, v);
            }
        });
        ClusterRoleBinding binding = client.rbac().clusterRoleBindings().withName("dnsflow-coredns").get();
        assertThat(binding.getRoleRef().getName()).isEqualTo("dnsflow");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo(d.getSpec().getTemplate().getSpec().getServiceAccountName());
            assertThat(s.getNamespace()).isEqualTo("kube-system");
        });
        Secret token = client.secrets().inNamespace("kube-system").withName("dnsflow-admin-token").get();
        assertThat(new String(Base64.getDecoder().decode(token.getData().get("token")), StandardCharsets.US_ASCII)).matches("[0-9a-f]{64}");

        String versions = resourceVersions();
        CliRun again = dnsflow("install", "--image", IMAGE);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("installed in kube-system/coredns already; nothing changed");
        assertThat(resourceVersions()).as("a second install writes nothing").isEqualTo(versions);

        CliRun uninstall = dnsflow("uninstall");

        assertThat(uninstall.code()).as(uninstall.err() + uninstall.out()).isZero();
        assertThat(uninstall.out()).contains("uninstalled");
        assertThat(cluster.snapshot()).as("byte for byte as the distribution shipped it").isEqualTo(fixture);

        CliRun twice = dnsflow("uninstall");
        assertThat(twice.code()).isZero();
        assertThat(twice.out()).contains("not installed");
    }

    @Test
    void warnsOnK3sAndEksWhoMayPutCorednsBack() throws Exception {
        cluster.load("k3s");
        CliRun k3s = dnsflow("install", "--image", IMAGE, "--dry-run");
        assertThat(k3s.out()).contains("k3s");
        assertThat(k3s.err()).contains("warning: k3s re-applies its CoreDNS manifest").contains("coredns.yaml.skip");
    }

    @Test
    void warnsOnEks() throws Exception {
        cluster.load("eks");
        CliRun eks = dnsflow("install", "--image", IMAGE, "--dry-run");
        assertThat(eks.out()).contains("EKS");
        assertThat(eks.err()).contains("--resolve-conflicts PRESERVE");
    }

    @Test
    void refusesAksWhoseAddonManagerPutsCorednsBackAndSaysWhatWorks() throws Exception {
        cluster.load("aks");
        String versions = resourceVersions();

        CliRun install = dnsflow("install", "--image", IMAGE);

        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("this is AKS").contains("addonmanager.kubernetes.io/mode: Reconcile")
                .contains("coredns-custom").contains("dnsflow proxy");
        assertThat(resourceVersions()).isEqualTo(versions);
        assertThat(client.rbac().clusterRoles().withName("dnsflow").get()).isNull();
    }

    @Test
    void refusesGkeWhichRunsKubeDnsNotCoredns() throws Exception {
        cluster.load("gke");
        CliRun install = dnsflow("install", "--image", IMAGE);
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("kube-dns").contains("not CoreDNS").contains("GKE");
    }

    @Test
    void aDryRunWritesNothingAndItsYamlIsWhatInstallThenWrites() throws Exception {
        cluster.load("kubeadm");
        String versions = resourceVersions();

        CliRun said = dnsflow("install", "--image", IMAGE, "--dry-run");
        CliRun yaml = dnsflow("install", "--image", IMAGE, "--dry-run", "-o", "yaml");

        assertThat(said.code()).as(said.err()).isZero();
        assertThat(said.out()).contains("dry run: nothing is written").contains("create ClusterRole dnsflow")
                .contains("update Deployment kube-system/coredns").contains("wait (up to 300s)").contains("update ConfigMap kube-system/coredns");
        assertThat(yaml.code()).as(yaml.err()).isZero();
        assertThat(resourceVersions()).as("nothing written").isEqualTo(versions);
        assertThat(client.rbac().clusterRoles().withName("dnsflow").get()).isNull();
        List<HasMetadata> printed = client.load(new java.io.ByteArrayInputStream(yaml.out().getBytes(StandardCharsets.UTF_8))).items();
        assertThat(printed).extracting(o -> o.getKind() + " " + o.getMetadata().getName()).containsExactly("ClusterRole dnsflow",
                "ClusterRoleBinding dnsflow-coredns", "Secret dnsflow-admin-token", "Deployment coredns", "ConfigMap coredns");

        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        Deployment planned = (Deployment) printed.get(3);
        ConfigMap plannedCm = (ConfigMap) printed.get(4);
        assertThat(json(deployment().getSpec())).isEqualTo(json(planned.getSpec()));
        assertThat(deployment().getMetadata().getAnnotations().get("dnsflow.dev/original-pod-template"))
                .isEqualTo(planned.getMetadata().getAnnotations().get("dnsflow.dev/original-pod-template"));
        assertThat(configMap().getData()).isEqualTo(plannedCm.getData());
        assertThat(json(client.rbac().clusterRoles().withName("dnsflow").get().getRules())).isEqualTo(json(
                printed.get(0) instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole r ? r.getRules() : null));
    }

    @Test
    void uninstallRefusesWhenTheCorefileWasEditedSinceAndForcePutsTheOriginalBack() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        String original = configMap().getData().get("Corefile");
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        ConfigMap cm = configMap();
        cm.getData().put("Corefile", cm.getData().get("Corefile") + "example.org:53 {\n    forward . 10.0.0.53\n}\n");
        client.resource(cm).update();
        String versions = resourceVersions();

        CliRun refused = dnsflow("uninstall");

        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("the Corefile changed since dnsflow install wrote it")
                .contains("ConfigMap kube-system/coredns, data.Corefile").contains("--force");
        assertThat(resourceVersions()).as("nothing changed").isEqualTo(versions);

        CliRun forced = dnsflow("uninstall", "--force");

        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(forced.err()).contains("--force");
        assertThat(configMap().getData().get("Corefile")).isEqualTo(original);
        assertThat(deployment().getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName).containsExactly("coredns");
    }

    @Test
    void uninstallKeepsChangesMadeToTheDeploymentSinceInstall() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        Deployment d = deployment();
        container(d, "coredns").setImage("registry.k8s.io/coredns/coredns:v1.12.0");
        client.resource(d).update();

        CliRun uninstall = dnsflow("uninstall");

        assertThat(uninstall.code()).as(uninstall.err()).isZero();
        assertThat(uninstall.err()).contains("was changed since install (spec.template.spec.containers[0].image)");
        Deployment after = deployment();
        assertThat(after.getSpec().getTemplate().getSpec().getContainers()).singleElement()
                .satisfies(c -> assertThat(c.getImage()).isEqualTo("registry.k8s.io/coredns/coredns:v1.12.0"));
        assertThat(after.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName()).containsExactly("config-volume");
        assertThat(after.getMetadata().getAnnotations()).as("install's marks are gone").isNullOrEmpty();
    }

    @Test
    void forwardsToTheSameServersTheCorefileDidAndRefusesDnsOverTls() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        setCorefileForward("forward . 8.8.8.8 1.1.1.1:53 {");

        CliRun install = dnsflow("install", "--image", IMAGE);

        assertThat(install.code()).as(install.err()).isZero();
        assertThat(container(deployment(), "dnsflow").getArgs()).endsWith("--upstream=8.8.8.8", "--upstream=1.1.1.1:53");
        assertThat(configMap().getData().get("Corefile")).contains("# dnsflow forwards to: 8.8.8.8 1.1.1.1:53");
        assertThat(dnsflow("uninstall").code()).isZero();

        setCorefileForward("forward . tls://9.9.9.9 {");
        String versions = resourceVersions();
        CliRun tls = dnsflow("install", "--image", IMAGE);
        assertThat(tls.code()).isEqualTo(1);
        assertThat(tls.err()).contains("DNS over TLS (tls://9.9.9.9)").contains("unencrypted").contains("Nothing was changed");
        assertThat(resourceVersions()).isEqualTo(versions);
    }

    @Test
    void aCorefileWithoutAForwardIsRefusedWithTheManualWay() throws Exception {
        cluster.load("kubeadm");
        ConfigMap cm = configMap();
        cm.getData().put("Corefile", ".:53 {\n    errors\n    kubernetes cluster.local\n}\n");
        client.resource(cm).update();
        CliRun install = dnsflow("install", "--image", IMAGE);
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("cannot point the Corefile at dnsflow: no 'forward' directive found")
                .contains("dnsflow corefile --patch");
        assertThat(client.rbac().clusterRoles().withName("dnsflow").get()).isNull();
    }

    @Test
    void aRolloutThatNeverFinishesIsRolledBackAndTheCorefileNeverTouched() throws Exception {
        cluster.load("kubeadm"); // no controller: the pods never come up
        MockCluster.Snapshot before = cluster.snapshot();

        CliRun install = dnsflow("install", "--image", IMAGE, "--wait=2s");

        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("the rollout of Deployment kube-system/coredns did not finish within 2s")
                .contains("rolled back everything");
        assertThat(install.out()).contains("rolled back: put Deployment kube-system/coredns back as it was")
                .contains("rolled back: deleted ClusterRole dnsflow");
        assertThat(cluster.snapshot()).isEqualTo(before);
    }

    @Test
    void keepsObjectsItDidNotCreate() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("dnsflow-admin-token")
                .withNamespace("kube-system").endMetadata().withData(Map.of("token", "bXl0b2tlbg==")).build()).create();

        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        assertThat(deployment().getMetadata().getAnnotations().get("dnsflow.dev/created")).doesNotContain("Secret");
        assertThat(dnsflow("uninstall").code()).isZero();

        assertThat(client.secrets().inNamespace("kube-system").withName("dnsflow-admin-token").get().getData())
                .containsEntry("token", "bXl0b2tlbg==");
    }

    @Test
    void anUninstallWhoseRolloutDoesNotFinishKeepsTheOriginalCorefileAndSaysWhatIsLeft() throws Exception {
        cluster.load("kubeadm");
        String original = configMap().getData().get("Corefile");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        cluster.close(); // the controller stops: the next rollout never ends

        CliRun uninstall = dnsflow("uninstall", "--wait=1s");

        assertThat(uninstall.code()).isEqualTo(1);
        assertThat(uninstall.err()).contains("did not finish within 1s").contains("done before that: updated ConfigMap kube-system/coredns")
                .contains("run the command again").doesNotContain("rolled back");
        assertThat(configMap().getData().get("Corefile")).isEqualTo(original);
        assertThat(deployment().getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName).containsExactly("coredns");
    }

    @Test
    void uninstallRefusesToTakeTheSidecarAwayWhileTheCorefileStillPointsAtItWithNoOriginalToRestore() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        ConfigMap replaced = configMap(); // kubectl replace of a saved copy: the patched text, no annotations
        replaced.getMetadata().setAnnotations(null);
        client.resource(replaced).update();
        String versions = resourceVersions();

        CliRun uninstall = dnsflow("uninstall");

        assertThat(uninstall.code()).isEqualTo(1);
        assertThat(uninstall.err()).contains("still points at dnsflow").contains("original-corefile annotation").contains("is gone")
                .contains("Nothing was changed");
        assertThat(resourceVersions()).isEqualTo(versions);
    }

    @Test
    void aReinstallAfterTheStockCorefileCameBackPatchesItAndUninstallRestoresThatOne() throws Exception {
        cluster.load("eks");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        ConfigMap overwritten = configMap(); // an add-on update: the stock Corefile, plus a stub zone, annotations kept
        String stock = overwritten.getMetadata().getAnnotations().get("dnsflow.dev/original-corefile") + "corp:53 {\n    forward . 10.1.1.1\n}\n";
        overwritten.getData().put("Corefile", stock);
        client.resource(overwritten).update();

        CliRun again = dnsflow("install", "--image", IMAGE);

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(configMap().getData().get("Corefile")).contains("forward . 127.0.0.1:5353");
        assertThat(dnsflow("uninstall").code()).isZero();
        assertThat(configMap().getData().get("Corefile")).isEqualTo(stock);
    }

    @Test
    void aReinstallAfterAnEditOfThePatchedCorefileKeepsTheRealOriginal() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        String original = configMap().getData().get("Corefile");
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        ConfigMap edited = configMap(); // someone deletes one of the rewrite rules
        edited.getData().put("Corefile", edited.getData().get("Corefile").replaceFirst("(?m)^.*\\{client_port\\}\\n", ""));
        client.resource(edited).update();

        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();

        assertThat(configMap().getMetadata().getAnnotations()).containsEntry("dnsflow.dev/original-corefile", original);
        assertThat(dnsflow("uninstall").code()).isZero();
        assertThat(configMap().getData().get("Corefile")).isEqualTo(original);
    }

    @Test
    void refusesACorefilePatchedByHandWithNoOriginalToGoBackTo() throws Exception {
        cluster.load("kubeadm");
        ConfigMap cm = configMap();
        cm.getData().put("Corefile", cm.getData().get("Corefile").replace("forward . /etc/resolv.conf", "forward . 127.0.0.1:5353"));
        client.resource(cm).update();

        CliRun install = dnsflow("install", "--image", IMAGE);

        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("points at dnsflow already, but not by dnsflow install").contains("Nothing was changed");
    }

    @Test
    void aReinstallChangesNothingWhenTheApiServerFilledInDefaults() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        Deployment d = deployment(); // what a real API server adds to what install wrote
        container(d, "dnsflow").setTerminationMessagePath("/dev/termination-log");
        container(d, "dnsflow").setTerminationMessagePolicy("File");
        container(d, "dnsflow").getReadinessProbe().getHttpGet().setScheme("HTTP");
        d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
                .forEach(v -> v.getSecret().setDefaultMode(420));
        client.resource(d).update();
        String versions = resourceVersions();

        CliRun again = dnsflow("install", "--image", IMAGE);

        assertThat(again.out()).contains("nothing changed");
        assertThat(resourceVersions()).isEqualTo(versions);
        CliRun upgrade = dnsflow("install", "--image", "registry.example.com/dnsflow:1.2.4");
        assertThat(upgrade.out()).contains("updated Deployment kube-system/coredns");
        assertThat(container(deployment(), "dnsflow").getImage()).isEqualTo("registry.example.com/dnsflow:1.2.4");
    }

    @Test
    void uninstallLeavesACreatedObjectSomeoneElseTookOver() throws Exception {
        cluster.load("kubeadm");
        cluster.rolloutsComplete();
        assertThat(dnsflow("install", "--image", IMAGE).code()).isZero();
        var role = client.rbac().clusterRoles().withName("dnsflow").get(); // kubectl apply -k k8s/deploy/base since
        role.getMetadata().getLabels().remove("app.kubernetes.io/managed-by");
        client.resource(role).update();

        CliRun uninstall = dnsflow("uninstall");

        assertThat(uninstall.code()).as(uninstall.err()).isZero();
        assertThat(uninstall.err()).contains("ClusterRole dnsflow was created by install but no longer carries");
        assertThat(client.rbac().clusterRoles().withName("dnsflow").get()).isNotNull();
        assertThat(client.rbac().clusterRoleBindings().withName("dnsflow-coredns").get()).isNull();
    }

    @Test
    void badFlagsAreNamed() {
        assertThat(CliRun.dnsflow("install").err()).contains("Missing required option: '--image=REF'");
        assertThat(dnsflow("install", "--image", IMAGE, "-o", "yaml").err()).contains("-o/--output works with --dry-run");
        assertThat(dnsflow("install", "--image", IMAGE, "--mode", "daemonset").err()).contains("--mode: 'daemonset'");
        assertThat(dnsflow("install", "--image", IMAGE, "--wait=soon").err()).contains("--wait");
        assertThat(dnsflow("uninstall", "--wait=0s").err()).contains("--wait: must be longer than 0");
    }

    @Test
    void namesTheMissingDeployment() {
        CliRun install = dnsflow("install", "--image", IMAGE);
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.err()).contains("no CoreDNS Deployment in kube-system").contains("--deployment");
    }

    private void setCorefileForward(String line) {
        ConfigMap cm = configMap();
        cm.getData().put("Corefile", cm.getData().get("Corefile").replaceAll("forward \\. \\S+.* \\{", line));
        client.resource(cm).update();
    }

    private Deployment deployment() {
        return cluster.deployment();
    }

    private ConfigMap configMap() {
        return cluster.configMap();
    }

    private static Container container(Deployment d, String name) {
        return d.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private String json(Object o) {
        return client.getKubernetesSerialization().asJson(o);
    }

    /**
     * Every object's resourceVersion (a Deployment's spec and metadata: the fake controller writes its status): equal
     * before and after means nothing was written.
     */
    private String resourceVersions() {
        StringBuilder sb = new StringBuilder();
        client.apps().deployments().inAnyNamespace().list().getItems().forEach(o -> sb.append(json(o.getSpec()))
                .append(o.getMetadata().getAnnotations()).append(o.getMetadata().getLabels()).append(' '));
        client.configMaps().inAnyNamespace().list().getItems().forEach(o -> sb.append(o.getMetadata().getResourceVersion()).append(' '));
        client.secrets().inAnyNamespace().list().getItems().forEach(o -> sb.append(o.getMetadata().getResourceVersion()).append(' '));
        client.rbac().clusterRoles().list().getItems().forEach(o -> sb.append(o.getMetadata().getResourceVersion()).append(' '));
        client.rbac().clusterRoleBindings().list().getItems().forEach(o -> sb.append(o.getMetadata().getResourceVersion()).append(' '));
        return sb.toString();
    }
}
