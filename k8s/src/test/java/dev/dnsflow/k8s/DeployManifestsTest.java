package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.dnsflow.peers.Peers;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kustomize manifests under {@code deploy/} (base and every overlay) render with {@code kubectl kustomize},
 * every object rendered is one of fabric8's typed objects (prometheus-operator's two kinds excepted: fabric8 has no
 * typed model for them in this build), with no field the model does not know (a typo), and the API server (fabric8's
 * mock, CRUD mode) accepts it; and what a user would notice holds: the ClusterRole's rules, the sidecar container,
 * CoreDNS left as kubeadm made it, the dashboard.
 *
 * <p>Needs {@code kubectl} (Debian's package brings kustomize with it): skipped without it, failed when
 * {@code DNSFLOW_REQUIRE_PEERS=1}, as CI sets.
 */
@EnableKubernetesMockClient(crud = true)
class DeployManifestsTest {

    /** The k8s module directory (surefire sets {@code basedir}; an IDE usually runs in it). */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
    private static final Path DEPLOY = MODULE.resolve("deploy");
    private static final Path BASE = DEPLOY.resolve("base");
    private static final Path SIDECAR = DEPLOY.resolve("overlays/coredns-sidecar");
    private static final String MONITORING_GROUP = "monitoring.coreos.com";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    /** The mock API server logs every request at INFO; held strongly, as java.util.logging forgets levels. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    /** Rendered once per kustomization for all tests. */
    private static final Map<Path, String> RENDERED = new HashMap<>();

    KubernetesClient client;

    /** base, then every overlay: a new overlay is covered without touching this test. */
    static Stream<String> kustomizations() throws IOException {
        List<String> dirs = new ArrayList<>(List.of("base"));
        try (Stream<Path> overlays = Files.list(DEPLOY.resolve("overlays"))) {
            overlays.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> "overlays/" + d.getFileName()).sorted().forEach(dirs::add);
        }
        return dirs.stream();
    }

    // ------------------------------------------------------------------------------ every kustomization

    @Test
    void thereAreTheBaseAndTheSidecarAndNodelocalOverlays() throws IOException {
        assertThat(kustomizations()).contains("base", "overlays/coredns-sidecar", "overlays/nodelocal");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void rendersIntoTypedObjectsThatTheApiServerAccepts(String dir) {
        List<HasMetadata> objects = load(render(DEPLOY.resolve(dir)));

        assertThat(objects).as(dir).isNotEmpty();
        registerPrometheusOperatorCrds();
        for (HasMetadata o : objects) {
            String what = dir + ": " + o.getKind() + " " + o.getMetadata().getName();
            if (o.getApiVersion().startsWith(MONITORING_GROUP + "/")) {
                assertThat(o.getKind()).as(what).isIn("PodMonitor", "PrometheusRule");
            } else {
                assertThat(o).as(what + " is one of fabric8's typed objects").isNotInstanceOf(GenericKubernetesResource.class);
            }
            HasMetadata created = client.resource(o).create();
            assertThat(created.getMetadata().getUid()).as(what).isNotBlank();
            HasMetadata read = client.resource(o).get();
            assertThat(read).as(what + " read back").isNotNull();
            if (!(o instanceof Deployment)) { // CoreDNS's Deployment is kubeadm's: only its pods are labelled
                assertThat(read.getMetadata().getLabels()).as(what).containsEntry("app.kubernetes.io/name", "dnsflow");
            }
        }
    }

    /**
     * fabric8 puts a field its model does not know into {@code additionalProperties} instead of failing, so a typo
     * ({@code readinesProbe}, {@code mountpath}) would load fine here and be dropped or refused by the API server.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void everyFieldIsOneFabric8sModelKnows(String dir) {
        for (HasMetadata o : load(render(DEPLOY.resolve(dir)))) {
            String what = o.getKind() + " " + o.getMetadata().getName();
            assertThat(unknownFields(o, what)).as(dir + ": fields the API server does not know").isEmpty();
        }
    }

    @Test
    void aMisspeltFieldAnywhereInAnObjectIsFound() {
        String typos = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: coredns, namespace: kube-system, lables: {a: b}}
                spec:
                  selector: {matchLabels: {k8s-app: kube-dns}}
                  template:
                    spec:
                      containers:
                      - name: dnsflow
                        readinesProbe: {httpGet: {path: /ready, port: admin}}
                        volumeMounts: [{name: run, mountpath: /var/run/dnsflow}]
                        resources: {limits: {memory: 256Mi}}
                ---
                apiVersion: monitoring.coreos.com/v1
                kind: PodMonitor
                metadata: {name: dnsflow}
                spce: {}
                """;
        List<String> found = new ArrayList<>();
        for (HasMetadata o : load(typos)) {
            found.addAll(unknownFields(o, o.getKind()));
        }
        assertThat(found).containsExactlyInAnyOrder(
                "Deployment.metadata: [lables]",
                "Deployment.spec.template.spec.containers[0]: [readinesProbe]",
                "Deployment.spec.template.spec.containers[0].volumeMounts[0]: [mountpath]",
                "PodMonitor: [spce]");
    }

    // ------------------------------------------------------------------------------------------- nodelocal

    private static final Path NODELOCAL = DEPLOY.resolve("overlays/nodelocal");

    @Test
    void theNodelocalDaemonSetRunsDnsflowNodelocalWhereNodeCacheRuns() {
        List<HasMetadata> objects = load(render(NODELOCAL));
        DaemonSet ds = only(objects, DaemonSet.class, "dnsflow-nodelocal");
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(ds.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "dnsflow");
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getDnsPolicy()).isEqualTo("Default");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getServiceAccountName()).isEqualTo("dnsflow");

        Container c = pod.getContainers().get(0);
        assertThat(c.getArgs()).startsWith("nodelocal").contains("--corefile=/etc/dnsflow/Corefile",
                "--localip=169.254.20.10,10.96.0.10", "--upstreamsvc=kube-dns-upstream");
        assertThat(c.getPorts()).extracting(p -> p.getName() + " " + p.getContainerPort() + "/" + p.getProtocol())
                .contains("dns 53/UDP", "dns-tcp 53/TCP", "metrics 9253/TCP", "admin 9553/TCP");
        assertThat(c.getLivenessProbe().getHttpGet().getHost()).isEqualTo("169.254.20.10");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(c.getLivenessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString(8080));
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).as("port 53, and no NET_ADMIN: no iptables here")
                .containsExactly("NET_BIND_SERVICE");
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();

        // the Corefile it reads is the generated ConfigMap's, and that is Kubernetes' template, as the tests read it
        String configMap = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow()
                .getConfigMap().getName();
        assertThat(configMap).startsWith("dnsflow-nodelocal-");
        ConfigMap corefile = only(objects, ConfigMap.class, configMap);
        assertThat(corefile.getData().get("Corefile")).isEqualTo(read(MODULE.resolve(
                "../sidecar/src/test/resources/nodelocal/Corefile")));
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/dnsflow"));

        io.fabric8.kubernetes.api.model.Service upstream = only(objects, io.fabric8.kubernetes.api.model.Service.class,
                "kube-dns-upstream");
        assertThat(upstream.getSpec().getSelector()).containsExactly(entry("k8s-app", "kube-dns"));
        assertThat(upstream.getSpec().getPorts()).extracting(p -> p.getPort() + "/" + p.getProtocol())
                .containsExactlyInAnyOrder("53/UDP", "53/TCP");
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------- base

    @Test
    void theClusterRoleReadsPodsServicesNodesReplicaSetsAndJobsAndNothingElse() {
        ClusterRole role = only(load(render(BASE)), ClusterRole.class, "dnsflow");

        List<String> rules = new ArrayList<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    rules.add(group + "/" + resource + " " + new TreeSet<>(rule.getVerbs()));
                }
            }
        }
        assertThat(rules).containsExactlyInAnyOrder(
                "/pods [get, list, watch]",
                "/services [get, list, watch]",
                "/nodes [get, list, watch]",
                "apps/replicasets [get, list, watch]",
                "batch/jobs [get, list, watch]");
    }

    @Test
    void theBaseBindsTheRoleToItsServiceAccountAndTheSidecarAlsoToCoreDnss() {
        List<HasMetadata> base = load(render(BASE));
        assertThat(only(base, io.fabric8.kubernetes.api.model.ServiceAccount.class, "dnsflow").getMetadata().getNamespace())
                .isEqualTo("kube-system");
        assertThat(boundAccounts(base)).containsExactly("dnsflow -> kube-system/dnsflow");

        assertThat(boundAccounts(load(render(SIDECAR))))
                .containsExactlyInAnyOrder("dnsflow -> kube-system/dnsflow", "dnsflow -> kube-system/coredns");
    }

    @Test
    void theDashboardIsAConfigMapLabelledForGrafanasSidecarHoldingTheFileByteForByte() throws IOException {
        ConfigMap dashboard = only(load(render(BASE)), ConfigMap.class, "dnsflow-dashboard");

        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(dashboard.getMetadata().getLabels()).contains(entry("grafana_dashboard", "1"));
        assertThat(dashboard.getData()).containsOnlyKeys("dnsflow.json");
        assertThat(dashboard.getData().get("dnsflow.json")).isEqualTo(Files.readString(BASE.resolve("dnsflow.json")));
    }

    @Test
    void thePrometheusRuleIsTheFileAndThePodMonitorScrapesTheSidecarsAdminPort() throws IOException {
        List<HasMetadata> objects = load(render(SIDECAR));
        GenericKubernetesResource rule = only(objects, GenericKubernetesResource.class, "dnsflow", "PrometheusRule");
        JsonNode ruleSpec = JSON.valueToTree(rule.getAdditionalProperties().get("spec"));
        assertThat(ruleSpec).isEqualTo(YAML.readTree(BASE.resolve("dnsflow-rules.yaml").toFile()).get("spec"));

        JsonNode monitor = JSON.valueToTree(only(objects, GenericKubernetesResource.class, "dnsflow", "PodMonitor")
                .getAdditionalProperties().get("spec"));
        assertThat(monitor.at("/selector/matchLabels").toString()).isEqualTo("{\"app.kubernetes.io/name\":\"dnsflow\"}");
        assertThat(monitor.at("/namespaceSelector").isMissingNode()).as("its own namespace, CoreDNS's").isTrue();
        JsonNode endpoint = monitor.at("/podMetricsEndpoints/0");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");

        Deployment coredns = only(objects, Deployment.class, "coredns");
        assertThat(coredns.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/name", "dnsflow");
        assertThat(container(coredns, "dnsflow").getPorts()).extracting(ContainerPort::getName)
                .contains(endpoint.path("port").asText());
    }

    // --------------------------------------------------------------------------------- coredns-sidecar

    @Test
    void theSidecarRunsDnsflowSidecarOnLoopbackWithDnstapAdminOnThePodIpTokenAndNames() {
        Container dnsflow = container(sidecarDeployment(), "dnsflow");

        assertThat(dnsflow.getImage()).isEqualTo("dnsflow:dev");
        assertThat(dnsflow.getCommand()).as("the image's entrypoint is dnsflow").isNullOrEmpty();
        assertThat(dnsflow.getArgs()).containsExactly(
                "sidecar",
                "--listen=127.0.0.1:5353",
                "--dnstap-listen=unix:/var/run/dnsflow/dnstap.sock",
                "--admin=$(POD_IP):9553",
                "--admin-token-file=/var/run/secrets/dnsflow/token",
                "--kubernetes=auto",
                "--shutdown-grace=7s");
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : dnsflow.getEnv()) {
            env.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath());
        }
        assertThat(env).containsExactly(
                entry("POD_NAME", "metadata.name"),
                entry("POD_NAMESPACE", "metadata.namespace"),
                entry("NODE_NAME", "spec.nodeName"),
                entry("POD_IP", "status.podIP"));
    }

    @Test
    void theSidecarHasItsAdminPortProbesResourcesAndALockedDownSecurityContext() {
        Container dnsflow = container(sidecarDeployment(), "dnsflow");

        assertThat(dnsflow.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("admin");
            assertThat(p.getContainerPort()).isEqualTo(9553);
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
        assertThat(dnsflow.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(dnsflow.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("admin"));
        assertThat(dnsflow.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(dnsflow.getLivenessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("admin"));

        assertThat(dnsflow.getResources().getRequests())
                .containsOnly(entry("cpu", new Quantity("50m")), entry("memory", new Quantity("64Mi")));
        assertThat(dnsflow.getResources().getLimits()).containsOnly(entry("memory", new Quantity("384Mi")));

        var security = dnsflow.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getRunAsUser()).isEqualTo(65532L);
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(security.getSeccompProfile().getType()).as("Pod Security 'restricted'").isEqualTo("RuntimeDefault");
        assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void theDnstapSocketIsOnAnEmptyDirBothContainersMountAndTheTokenComesFromTheSecret() {
        Deployment coredns = sidecarDeployment();
        Map<String, Volume> volumes = coredns.getSpec().getTemplate().getSpec().getVolumes().stream()
                .collect(Collectors.toMap(Volume::getName, v -> v));

        String socketDir = "/var/run/dnsflow";
        VolumeMount dnsflowRun = mountAt(container(coredns, "dnsflow"), socketDir);
        VolumeMount corednsRun = mountAt(container(coredns, "coredns"), socketDir);
        assertThat(corednsRun.getName()).isEqualTo(dnsflowRun.getName());
        assertThat(volumes.get(dnsflowRun.getName()).getEmptyDir()).isNotNull();

        VolumeMount token = mountAt(container(coredns, "dnsflow"), "/var/run/secrets/dnsflow");
        assertThat(token.getReadOnly()).isTrue();
        var secret = volumes.get(token.getName()).getSecret();
        assertThat(secret.getOptional()).as("a missing token Secret must not keep CoreDNS from starting").isTrue();
        assertThat(secret.getSecretName()).isEqualTo("dnsflow-admin-token");
        assertThat(secret.getItems()).singleElement()
                .satisfies(k -> assertThat(k.getKey() + " -> " + k.getPath()).isEqualTo("token -> token"));

        assertThat(volumes.get(mountAt(container(coredns, "dnsflow"), "/tmp").getName()).getEmptyDir())
                .as("a writable /tmp on a read-only root").isNotNull();
    }

    @Test
    void coreDnsKeepsItsSelectorAndEverythingElseKubeadmGaveItButOneVolumeMount() throws IOException {
        Deployment upstream = (Deployment) load(Files.readString(SIDECAR.resolve("upstream/coredns-deployment.yaml"))).get(0);
        Deployment patched = sidecarDeployment();

        assertThat(patched.getSpec().getSelector()).isEqualTo(upstream.getSpec().getSelector());
        assertThat(patched.getSpec().getSelector().getMatchLabels()).containsExactly(entry("k8s-app", "kube-dns"));
        Map<String, String> labels = new LinkedHashMap<>(upstream.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("app.kubernetes.io/name", "dnsflow");
        assertThat(patched.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);
        assertThat(patched.getMetadata()).isEqualTo(upstream.getMetadata());

        Container before = container(upstream, "coredns");
        Container after = container(patched, "coredns");
        assertThat(after.getVolumeMounts()).containsAll(before.getVolumeMounts())
                .hasSize(before.getVolumeMounts().size() + 1);
        assertThat(new ContainerBuilder(after).withVolumeMounts(before.getVolumeMounts()).build()).isEqualTo(before);

        PodSpec spec = patched.getSpec().getTemplate().getSpec();
        assertThat(spec.getServiceAccountName()).as("the sidecar runs as CoreDNS's account").isEqualTo("coredns");
        assertThat(spec.getVolumes()).containsAll(upstream.getSpec().getTemplate().getSpec().getVolumes());
        PodSpec rest = new PodSpecBuilder(spec).withContainers(upstream.getSpec().getTemplate().getSpec().getContainers())
                .withVolumes(upstream.getSpec().getTemplate().getSpec().getVolumes()).build();
        assertThat(rest).isEqualTo(upstream.getSpec().getTemplate().getSpec());
        assertThat(patched.getSpec().getReplicas()).isEqualTo(upstream.getSpec().getReplicas());
        assertThat(patched.getSpec().getStrategy()).isEqualTo(upstream.getSpec().getStrategy());
    }

    @Test
    void theSamePatchAppliedWithKubectlPatchGivesTheSameDeployment() {
        // README's way for a live CoreDNS that is not kubeadm's: kubectl patch --patch-file sidecar.yaml
        String patched = run(List.of(kubectl().toString(), "patch", "--local", "-o", "yaml", "--type", "strategic",
                "-f", SIDECAR.resolve("upstream/coredns-deployment.yaml").toString(),
                "--patch-file", SIDECAR.resolve("sidecar.yaml").toString()));

        assertThat(load(patched)).singleElement().isEqualTo(sidecarDeployment());
    }

    // ---------------------------------------------------------------------------------------- helpers

    /** Top-level keys of the custom resources fabric8 reads as GenericKubernetesResource, beside kind and metadata. */
    private static final Set<String> CUSTOM_RESOURCE_KEYS = Set.of("spec");

    /**
     * Where in {@code value} fabric8's typed model kept fields it does not know, as "path: [names]": every getter of
     * every model object is walked, lists and maps included. A GenericKubernetesResource (prometheus-operator's
     * kinds) is free-form by design: only its top-level keys are checked, against {@link #CUSTOM_RESOURCE_KEYS}.
     */
    private static List<String> unknownFields(Object value, String path) {
        List<String> found = new ArrayList<>();
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object e : list) {
                found.addAll(unknownFields(e, path + "[" + i++ + "]"));
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> found.addAll(unknownFields(v, path + "." + k)));
        } else if (value instanceof GenericKubernetesResource custom) {
            Set<String> unknown = new TreeSet<>(custom.getAdditionalProperties().keySet());
            unknown.removeAll(CUSTOM_RESOURCE_KEYS);
            if (!unknown.isEmpty()) {
                found.add(path + ": " + unknown);
            }
            found.addAll(unknownFields(custom.getMetadata(), path + ".metadata"));
        } else if (value instanceof KubernetesResource) {
            for (Method getter : value.getClass().getMethods()) {
                if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                        || getter.getDeclaringClass() == Object.class) {
                    continue;
                }
                Object field = invoke(getter, value);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        found.add(path + ": " + new TreeSet<>(extra.keySet().stream().map(String::valueOf).toList()));
                    }
                } else {
                    String name = getter.getName().substring(3);
                    found.addAll(unknownFields(field, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1)));
                }
            }
        }
        return found;
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError(getter.toString(), e);
        }
    }

    private Deployment sidecarDeployment() {
        return only(load(render(SIDECAR)), Deployment.class, "coredns");
    }

    private static Container container(Deployment d, String name) {
        return d.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
    }

    private static List<String> boundAccounts(List<HasMetadata> objects) {
        List<String> bound = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding b) {
                for (Subject s : b.getSubjects()) {
                    assertThat(s.getKind()).isEqualTo("ServiceAccount");
                    bound.add(b.getRoleRef().getName() + " -> " + s.getNamespace() + "/" + s.getName());
                }
            }
        }
        return bound;
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type, String name) {
        return only(objects, type, name, null);
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type, String name, String kind) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name) && (kind == null || o.getKind().equals(kind))).toList();
        assertThat(found).as(type.getSimpleName() + " " + name).hasSize(1);
        return found.get(0);
    }

    private List<HasMetadata> load(String yaml) {
        return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    /** The mock API server learns the prometheus-operator kinds as a real one does: from their CRDs. */
    private void registerPrometheusOperatorCrds() {
        for (String[] kind : new String[][] {{"PodMonitor", "podmonitors"}, {"PrometheusRule", "prometheusrules"}}) {
            CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName(kind[1] + "." + MONITORING_GROUP).endMetadata()
                    .withNewSpec().withGroup(MONITORING_GROUP).withScope("Namespaced")
                    .withNewNames().withKind(kind[0]).withPlural(kind[1]).withSingular(kind[0].toLowerCase()).endNames()
                    .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion()
                    .endSpec().build();
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
    }

    private static String render(Path dir) {
        synchronized (RENDERED) {
            return RENDERED.computeIfAbsent(dir.normalize(),
                    d -> run(List.of(kubectl().toString(), "kustomize", d.toString())));
        }
    }

    private static Path kubectl() {
        return Peers.require("kubectl");
    }

    /** Runs a command to completion; its standard output, or an assertion error with its standard error. */
    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + err.join());
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
