package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;

/**
 * Where CoreDNS came from, told apart by the marks each distribution leaves on its objects (see
 * {@code ../shared/notes/k8s.md} and the fixtures' README): what matters is who else writes these objects and
 * would undo or fight our change.
 */
public enum Distribution {
    KUBEADM("kubeadm (or kind)"),
    K3S("k3s"),
    EKS("EKS"),
    AKS("AKS"),
    MINIKUBE("minikube"),
    /** Any other cluster whose addon manager puts CoreDNS back ({@code addonmanager.kubernetes.io/mode: Reconcile}). */
    RECONCILED("a cluster whose addon manager reconciles CoreDNS");

    static final String ADDON_MANAGER_MODE = "addonmanager.kubernetes.io/mode";

    private final String label;

    Distribution(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    static Distribution of(Deployment deployment, ConfigMap configMap, String corefile) {
        boolean reconciled = reconciled(deployment) || reconciled(configMap);
        if (reconciled) {
            String image = CorednsFinder.corednsImage(deployment);
            boolean aks = image.contains("mcr.microsoft.com") || hasLabelPrefix(deployment, "kubernetes.azure.com/")
                    || hasLabelPrefix(configMap, "kubernetes.azure.com/");
            return aks ? AKS : RECONCILED;
        }
        if (configMap.getData() != null && configMap.getData().containsKey("NodeHosts")
                || hasAnnotationPrefix(deployment, "objectset.rio.cattle.io/")) {
            return K3S;
        }
        if (hasLabelPrefix(deployment, "eks.amazonaws.com/") || hasLabelPrefix(configMap, "eks.amazonaws.com/")
                || CorednsFinder.corednsImage(deployment).contains("/eks/coredns")) {
            return EKS;
        }
        if (corefile != null && corefile.contains("host.minikube.internal")) {
            return MINIKUBE;
        }
        return KUBEADM;
    }

    /** Why install must not touch this CoreDNS, with what to do instead; null when it may. */
    String refusal(String namespace) {
        return switch (this) {
            case AKS -> "this is AKS: its addon manager owns the coredns Deployment and ConfigMap "
                    + "(" + ADDON_MANAGER_MODE + ": Reconcile) and puts them back within minutes, so a sidecar or a patched "
                    + "Corefile would vanish; and the supported customisation, ConfigMap coredns-custom, cannot redirect the "
                    + "root zone's forward ('forward' may appear once in the .:53 block). What works on AKS: run dnsflow "
                    + "as its own Deployment with `dnsflow proxy` and send chosen zones to it from coredns-custom "
                    + "(a key NAME.server holding 'example.com:53 { forward . DNSFLOW_SERVICE_IP }')";
            case RECONCILED -> "the CoreDNS objects in " + namespace + " carry " + ADDON_MANAGER_MODE + ": Reconcile, so the "
                    + "cluster's addon manager would put them back and remove dnsflow within minutes. Change CoreDNS where the "
                    + "addon manager reads it (its manifests on the control plane), following k8s/deploy/overlays/coredns-sidecar";
            default -> null;
        };
    }

    /** Who else may rewrite the objects later, and how to keep the change; null when nobody. */
    String warning() {
        return switch (this) {
            case K3S -> "k3s re-applies its CoreDNS manifest (coredns.yaml in /var/lib/rancher/k3s/server/manifests) whenever the "
                    + "k3s server restarts, which removes dnsflow again; to keep it, start k3s with --disable=coredns and manage "
                    + "CoreDNS yourself, or touch coredns.yaml.skip in that directory. `dnsflow status` shows when it was undone";
            case EKS -> "on EKS, when CoreDNS is a managed add-on, an add-on update with --resolve-conflicts OVERWRITE puts the "
                    + "ConfigMap and Deployment back; update it with --resolve-conflicts PRESERVE to keep dnsflow. `dnsflow "
                    + "status` shows when the Corefile no longer points at dnsflow";
            default -> null;
        };
    }

    private static boolean reconciled(HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels();
        return labels != null && "Reconcile".equals(labels.get(ADDON_MANAGER_MODE));
    }

    private static boolean hasLabelPrefix(HasMetadata o, String prefix) {
        Map<String, String> labels = o.getMetadata().getLabels();
        return labels != null && labels.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    private static boolean hasAnnotationPrefix(HasMetadata o, String prefix) {
        Map<String, String> annotations = o.getMetadata().getAnnotations();
        return annotations != null && annotations.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }
}
