package dev.dnsflow.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Kubernetes objects as the API server sends them, only the fields the index reads. */
final class Objects {
    private Objects() {
    }

    static PodBuilder pod(String namespace, String name, long createdMillis, String... ips) {
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-" + namespace + "-" + name)
                .withCreationTimestamp(Instant.ofEpochMilli(createdMillis).toString()).endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("app").withImage("app").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ips.length == 0 ? null : ips[0])
                .withPodIPs(Arrays.stream(ips).map(PodIP::new).toList()).endStatus();
    }

    static OwnerReference owner(String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind(kind).withName(name)
                .withUid("uid-" + kind + "-" + name).withController(true).build();
    }

    static Pod ownedPod(String namespace, String name, OwnerReference owner, String ip) {
        return pod(namespace, name, 0, ip).editMetadata().withOwnerReferences(owner == null ? List.of() : List.of(owner))
                .endMetadata().build();
    }

    static ReplicaSet replicaSet(String namespace, String name, String deployment) {
        return new ReplicaSetBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid("uid-ReplicaSet-" + name)
                .withOwnerReferences(deployment == null ? List.of() : List.of(owner("Deployment", deployment)))
                .endMetadata().build();
    }

    static Job job(String namespace, String name, String cronJob) {
        return new JobBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-Job-" + name)
                .withOwnerReferences(cronJob == null ? List.of() : List.of(owner("CronJob", cronJob)))
                .endMetadata().build();
    }

    static Service service(String namespace, String name, String... clusterIps) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid("uid-svc-" + namespace + "-" + name).withCreationTimestamp("2020-01-01T00:00:00Z").endMetadata()
                .withNewSpec().withClusterIP(clusterIps.length == 0 ? null : clusterIps[0])
                .withClusterIPs(List.of(clusterIps)).endSpec().build();
    }

    static Node node(String name, String internalIp, String externalIp) {
        return new NodeBuilder().withNewMetadata().withName(name).withUid("uid-node-" + name)
                .withCreationTimestamp("2020-01-01T00:00:00Z").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
                .addNewAddress().withType("ExternalIP").withAddress(externalIp).endAddress()
                .addNewAddress().withType("Hostname").withAddress(name).endAddress().endStatus().build();
    }
}
