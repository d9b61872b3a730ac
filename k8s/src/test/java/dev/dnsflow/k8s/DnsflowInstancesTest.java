package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.k8s.DnsflowInstances.Instance;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Finding dnsflow pods through an API server in CRUD mode: label selector, namespace, phase, pod IP, admin port. */
@EnableKubernetesMockClient(crud = true)
class DnsflowInstancesTest {
    /** The mock API server logs every request at INFO; held strongly, as java.util.logging forgets levels. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;

    private static PodBuilder dnsflow(String namespace, String name, String phase, String ip) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("app.kubernetes.io/name", "dnsflow").endMetadata()
                .withNewSpec().addNewContainer().withName("dnsflow").endContainer().endSpec()
                .withNewStatus().withPhase(phase).withPodIP(ip).endStatus();
    }

    private void create(Pod pod) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    }

    @Test
    void findsRunningPodsWithAnIpByLabelInAllNamespacesOrOne() {
        create(dnsflow("kube-system", "coredns-b", "Running", "10.0.0.2").build());
        create(dnsflow("kube-system", "coredns-a", "Running", "10.0.0.1").editSpec().editFirstContainer()
                .addNewPort().withName("dns").withContainerPort(53).endPort()
                .addNewPort().withName("admin").withContainerPort(19553).endPort().endContainer().endSpec().build());
        create(dnsflow("dns", "nodelocal-x", "Running", "10.0.1.1").build());
        create(dnsflow("dns", "starting", "Pending", null).build());
        create(dnsflow("dns", "no-ip-yet", "Running", null).build());
        create(new PodBuilder().withNewMetadata().withNamespace("dns").withName("other").addToLabels("app", "other").endMetadata()
                .withNewStatus().withPhase("Running").withPodIP("10.0.2.1").endStatus().build());

        assertThat(DnsflowInstances.find(client, DnsflowInstances.DEFAULT_SELECTOR, null, 9553)).containsExactly(
                new Instance("dns", "nodelocal-x", "10.0.1.1", 9553),
                new Instance("kube-system", "coredns-a", "10.0.0.1", 19553),
                new Instance("kube-system", "coredns-b", "10.0.0.2", 9553));
        assertThat(DnsflowInstances.find(client, DnsflowInstances.DEFAULT_SELECTOR, "kube-system", 9000))
                .extracting(Instance::id, Instance::adminPort)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("kube-system/coredns-a", 19553),
                        org.assertj.core.groups.Tuple.tuple("kube-system/coredns-b", 9000));
        assertThat(DnsflowInstances.find(client, "app=other", null, 9553)).extracting(Instance::id).containsExactly("dns/other");
        assertThat(DnsflowInstances.find(client, "app=none", null, 9553)).isEmpty();
    }

    @Test
    void aPodBeingDeletedIsNotAnInstance() {
        Pod leaving = dnsflow("kube-system", "leaving", "Running", "10.0.0.9").editMetadata()
                .withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build();

        assertThat(DnsflowInstances.running(leaving)).isFalse();
        assertThat(DnsflowInstances.running(dnsflow("kube-system", "staying", "Running", "10.0.0.9").build())).isTrue();
    }
}
