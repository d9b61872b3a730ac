package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What the sidecar is, read from the same files {@code kubectl kustomize k8s/deploy/overlays/coredns-sidecar} renders
 * (packaged into this jar): install and the manifests cannot drift apart.
 */
final class Manifests {
    private static final String ROOT = "/dev/dnsflow/k8s/deploy/";
    static final String SIDECAR_CONTAINER = "dnsflow";
    static final String TOKEN_SECRET = "dnsflow-admin-token";
    static final String TOKEN_KEY = "token";

    /** The sidecar patch's pieces: its container, CoreDNS's extra mounts, the pod's volumes and labels. */
    record Sidecar(Container container, List<VolumeMount> corednsMounts, List<Volume> volumes, Map<String, String> podLabels) {
    }

    private final KubernetesClient client;

    Manifests(KubernetesClient client) {
        this.client = client;
    }

    Sidecar sidecar() {
        Deployment patch = (Deployment) load("overlays/coredns-sidecar/sidecar.yaml").get(0);
        PodSpec pod = patch.getSpec().getTemplate().getSpec();
        Container sidecar = pod.getContainers().stream().filter(c -> SIDECAR_CONTAINER.equals(c.getName())).findFirst().orElseThrow();
        Container coredns = pod.getContainers().stream().filter(c -> !SIDECAR_CONTAINER.equals(c.getName())).findFirst().orElseThrow();
        return new Sidecar(sidecar, List.copyOf(coredns.getVolumeMounts()), List.copyOf(pod.getVolumes()),
                Map.copyOf(patch.getSpec().getTemplate().getMetadata().getLabels()));
    }

    ClusterRole clusterRole() {
        return load("base/rbac.yaml").stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst()
                .orElseThrow();
    }

    /** The binding that gives CoreDNS's ServiceAccount (the sidecar runs as it) the ClusterRole. */
    ClusterRoleBinding corednsBinding() {
        return (ClusterRoleBinding) load("overlays/coredns-sidecar/coredns-binding.yaml").get(0);
    }

    private List<HasMetadata> load(String file) {
        try (InputStream in = Manifests.class.getResourceAsStream(ROOT + file)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + ROOT + file + " (a build problem)");
            }
            return client.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
