package dev.dnsflow.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The running dnsflow pods of a cluster, found through the API server by a label selector: pods in phase
 * Running with a pod IP and not being deleted, each with the port of its admin API (the container port
 * named {@value #ADMIN_PORT_NAME}, else the default given).
 */
public final class DnsflowInstances {
    public static final String DEFAULT_SELECTOR = "app.kubernetes.io/name=dnsflow";
    public static final String ADMIN_PORT_NAME = "admin";

    /** One dnsflow pod and the port its admin API listens on. */
    public record Instance(String namespace, String pod, String ip, int adminPort) {
        /** {@code kube-system/coredns-7db6d8ff4d-abcde}: how the user sees it named. */
        public String id() {
            return namespace + "/" + pod;
        }
    }

    private DnsflowInstances() {
    }

    /**
     * The instances, sorted by namespace and name.
     *
     * @param namespace only this namespace, or null for all namespaces
     */
    public static List<Instance> find(KubernetesClient client, String selector, String namespace, int defaultAdminPort) {
        var options = new ListOptionsBuilder().withLabelSelector(selector).build();
        List<Pod> pods = namespace == null ? client.pods().inAnyNamespace().list(options).getItems()
                : client.pods().inNamespace(namespace).list(options).getItems();
        List<Instance> found = new ArrayList<>();
        for (Pod pod : pods) {
            if (running(pod)) {
                found.add(new Instance(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getStatus().getPodIP(),
                        adminPort(pod, defaultAdminPort)));
            }
        }
        found.sort(Comparator.comparing(Instance::namespace).thenComparing(Instance::pod));
        return found;
    }

    public static boolean running(Pod pod) {
        return pod.getMetadata() != null && pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
                && "Running".equals(pod.getStatus().getPhase()) && pod.getStatus().getPodIP() != null
                && !pod.getStatus().getPodIP().isEmpty();
    }

    /** The container port named {@value #ADMIN_PORT_NAME} in any container, else {@code defaultPort}. */
    public static int adminPort(Pod pod, int defaultPort) {
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return defaultPort;
        }
        for (Container c : pod.getSpec().getContainers()) {
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (ADMIN_PORT_NAME.equals(p.getName()) && p.getContainerPort() != null) {
                    return p.getContainerPort();
                }
            }
        }
        return defaultPort;
    }
}
