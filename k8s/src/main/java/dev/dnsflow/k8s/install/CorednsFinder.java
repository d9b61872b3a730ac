package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Finds CoreDNS: the Deployment (by name, else the one labelled {@code k8s-app=kube-dns} that runs a CoreDNS image, as
 * RKE2 and others name it differently), and the ConfigMap its pods mount their Corefile from.
 */
public final class CorednsFinder {
    public static final String DEFAULT_NAMESPACE = "kube-system";
    public static final String DEFAULT_DEPLOYMENT = "coredns";
    static final String KUBE_DNS_SELECTOR = "k8s-app";
    static final String COREFILE = "Corefile";

    private CorednsFinder() {
    }

    /**
     * @param deployment the Deployment's name, or null to look for it
     * @param configMap the ConfigMap's name, or null for the one the Deployment mounts its Corefile from
     */
    public static Coredns find(KubernetesClient client, String namespace, String deployment, String configMap) {
        Deployment d = deployment(client, namespace, deployment);
        String container = corednsContainer(d).getName();
        Volume volume = corefileVolume(d);
        String cmName = configMap != null ? configMap : volume != null ? volume.getConfigMap().getName() : DEFAULT_DEPLOYMENT;
        ConfigMap cm = Api.call("get", "configmaps", namespace,
                () -> client.configMaps().inNamespace(namespace).withName(cmName).get());
        if (cm == null) {
            throw new InstallException("no ConfigMap " + namespace + "/" + cmName + (configMap != null ? ""
                    : " (Deployment " + namespace + "/" + d.getMetadata().getName() + " mounts its Corefile from it)")
                    + "; name the ConfigMap holding the Corefile with --configmap");
        }
        String key = corefileKey(volume, configMap == null);
        if (cm.getData() == null || !cm.getData().containsKey(key)) {
            throw new InstallException("ConfigMap " + namespace + "/" + cmName + " has no key '" + key + "'"
                    + (cm.getData() == null ? "" : " (it has: " + String.join(", ", cm.getData().keySet()) + ")")
                    + "; is this CoreDNS's ConfigMap? name it with --configmap");
        }
        return new Coredns(d, cm, key, container, Distribution.of(d, cm, cm.getData().get(key)));
    }

    private static Deployment deployment(KubernetesClient client, String namespace, String name) {
        if (name != null) {
            Deployment d = Api.call("get", "deployments", namespace,
                    () -> client.apps().deployments().inNamespace(namespace).withName(name).get());
            if (d == null) {
                throw new InstallException("no Deployment " + namespace + "/" + name + missing(client, namespace));
            }
            requireCoredns(d);
            return d;
        }
        Deployment d = Api.call("get", "deployments", namespace,
                () -> client.apps().deployments().inNamespace(namespace).withName(DEFAULT_DEPLOYMENT).get());
        if (d != null && isCoredns(d)) {
            return d;
        }
        List<Deployment> kubeDns = Api.call("list", "deployments", namespace, () -> client.apps().deployments().inNamespace(namespace)
                .withLabel(KUBE_DNS_SELECTOR, "kube-dns").list().getItems());
        List<Deployment> coredns = kubeDns.stream().filter(CorednsFinder::isCoredns).toList();
        if (coredns.size() == 1) {
            return coredns.get(0);
        }
        if (coredns.size() > 1) {
            throw new InstallException("several CoreDNS Deployments in " + namespace + " (" + String.join(", ", coredns.stream()
                    .map(x -> x.getMetadata().getName()).toList()) + "); name one with --deployment");
        }
        if (!kubeDns.isEmpty()) {
            throw new InstallException("the cluster DNS in " + namespace + " is kube-dns (Deployment " + kubeDns.get(0).getMetadata()
                    .getName() + ", images " + images(kubeDns.get(0)) + "), not CoreDNS, as on GKE; dnsflow install works with "
                    + "CoreDNS only. On GKE, Cloud DNS replaces kube-dns and has no in-cluster server to sit behind; run "
                    + "`dnsflow proxy` as a Deployment and point a stub domain at it instead");
        }
        throw new InstallException("no CoreDNS Deployment in " + namespace + " (looked for '" + DEFAULT_DEPLOYMENT + "' and for "
                + KUBE_DNS_SELECTOR + "=kube-dns); name it with --deployment, or its namespace with --namespace");
    }

    private static String missing(KubernetesClient client, String namespace) {
        List<String> names = Api.call("list", "deployments", namespace, () -> client.apps().deployments().inNamespace(namespace)
                .list().getItems()).stream().filter(CorednsFinder::isCoredns).map(x -> x.getMetadata().getName()).toList();
        return names.isEmpty() ? "" : " (CoreDNS there: " + String.join(", ", names) + ")";
    }

    private static void requireCoredns(Deployment d) {
        if (!isCoredns(d)) {
            throw new InstallException("Deployment " + d.getMetadata().getNamespace() + "/" + d.getMetadata().getName()
                    + " runs no CoreDNS image (" + images(d) + "); name CoreDNS's Deployment with --deployment");
        }
    }

    static boolean isCoredns(Deployment d) {
        return containers(d).stream().anyMatch(c -> c.getImage() != null && c.getImage().contains("coredns"));
    }

    /** CoreDNS's container: the one named coredns, else the first whose image is CoreDNS's. */
    static Container corednsContainer(Deployment d) {
        return containers(d).stream().filter(c -> DEFAULT_DEPLOYMENT.equals(c.getName())).findFirst()
                .or(() -> containers(d).stream().filter(c -> c.getImage() != null && c.getImage().contains("coredns")).findFirst())
                .orElseThrow(() -> new InstallException("Deployment " + d.getMetadata().getName() + " has no CoreDNS container"));
    }

    static String corednsImage(Deployment d) {
        return containers(d).stream().filter(c -> c.getImage() != null && c.getImage().contains("coredns")).map(Container::getImage)
                .findFirst().orElse("");
    }

    static List<Container> containers(Deployment d) {
        if (d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getSpec() == null
                || d.getSpec().getTemplate().getSpec().getContainers() == null) {
            return List.of();
        }
        return d.getSpec().getTemplate().getSpec().getContainers();
    }

    /** The ConfigMap volume that gives CoreDNS its Corefile (an item with path Corefile, or a whole ConfigMap). */
    private static Volume corefileVolume(Deployment d) {
        List<Volume> volumes = d.getSpec().getTemplate().getSpec().getVolumes();
        if (volumes == null) {
            return null;
        }
        Volume whole = null;
        for (Volume v : volumes) {
            if (v.getConfigMap() == null) {
                continue;
            }
            List<KeyToPath> items = v.getConfigMap().getItems();
            if (items != null && items.stream().anyMatch(i -> COREFILE.equals(i.getPath()))) {
                return v;
            }
            if ((items == null || items.isEmpty()) && whole == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                whole = v;
            }
        }
        return whole;
    }

    private static String corefileKey(Volume volume, boolean fromVolume) {
        if (fromVolume && volume != null && volume.getConfigMap().getItems() != null) {
            for (KeyToPath item : volume.getConfigMap().getItems()) {
                if (COREFILE.equals(item.getPath())) {
                    return item.getKey();
                }
            }
        }
        return COREFILE;
    }

    private static String images(Deployment d) {
        return String.join(", ", containers(d).stream().map(Container::getImage).toList());
    }
}
