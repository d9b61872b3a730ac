package dev.dnsflow.k8s;

import static dev.dnsflow.k8s.Objects.job;
import static dev.dnsflow.k8s.Objects.node;
import static dev.dnsflow.k8s.Objects.owner;
import static dev.dnsflow.k8s.Objects.ownedPod;
import static dev.dnsflow.k8s.Objects.pod;
import static dev.dnsflow.k8s.Objects.replicaSet;
import static dev.dnsflow.k8s.Objects.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterIndexTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long MINUTE = 60_000;

    private final AtomicLong now = new AtomicLong(T0);
    private final ClusterIndex index = new ClusterIndex(now::get);

    /** What an object resolves to, as one comparable line. */
    private String at(String ip, long time) {
        K8sObject o = index.lookup(ip, time);
        return o == null ? "-" : o.toString();
    }

    @Test
    void resolvesAPodByEachOfItsIpv4AndIpv6AddressesInAnySpelling() throws Exception {
        index.upsertPod(pod("shop", "web-1", T0 - MINUTE, "10.0.0.5", "fd00:10::5").build());

        for (String ip : new String[] {"10.0.0.5", "fd00:10::5", "fd00:10:0:0:0:0:0:5", "FD00:10::0005"}) {
            assertThat(at(ip, T0)).as(ip).isEqualTo("pod shop/web-1 on node-1");
        }
        assertThat(index.lookup(InetAddress.getByName("fd00:10::5"), T0).name()).isEqualTo("web-1");
        assertThat(index.lookup(InetAddress.getByName("10.0.0.5"), T0).name()).isEqualTo("web-1");
        assertThat(at("10.0.0.6", T0)).isEqualTo("-");
        assertThat(at("not an ip", T0)).isEqualTo("-");
        assertThat(at("10.0.0.5", T0 - 2 * MINUTE)).as("before the pod was created").isEqualTo("-");
    }

    @Test
    void fallsBackToPodIpWhenPodIpsIsEmpty() {
        index.upsertPod(pod("shop", "old", T0, "10.0.0.7").editStatus().withPodIPs().endStatus().build());

        assertThat(at("10.0.0.7", T0)).isEqualTo("pod shop/old on node-1");
    }

    @Test
    void aHostNetworkPodIsNeverIndexedItsIpIsTheNode() {
        index.upsertNode(node("node-1", "192.168.1.10", "203.0.113.10"));
        index.upsertPod(pod("kube-system", "kube-proxy-x", T0, "192.168.1.10").editSpec().withHostNetwork(true).endSpec().build());

        assertThat(at("192.168.1.10", T0)).isEqualTo("node node-1");
        assertThat(at("203.0.113.10", T0)).as("ExternalIP not indexed").isEqualTo("-");
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void aServiceResolvesByEveryClusterIpAndAHeadlessOneByNone() {
        index.upsertService(service("shop", "web", "10.96.0.20", "fd00:96::20"));
        index.upsertService(service("shop", "headless", "None"));

        assertThat(at("10.96.0.20", T0)).isEqualTo("service shop/web");
        assertThat(at("fd00:96::20", T0)).isEqualTo("service shop/web");
        assertThat(index.size()).isEqualTo(1);

        index.removeService(service("shop", "web", "10.96.0.20", "fd00:96::20"));
        assertThat(at("10.96.0.20", T0 - 1)).as("before the deletion").isEqualTo("service shop/web");
        assertThat(at("10.96.0.20", T0)).as("from the deletion on").isEqualTo("-");
    }

    @Test
    void aReusedIpResolvesByTheTimeOfTheLookupToTheDeletedThenTheNewPod() {
        Pod old = pod("shop", "web-old", T0 - 10 * MINUTE, "10.0.0.9").build();
        index.upsertPod(old);
        now.set(T0);
        index.removePod(old); // deleted at T0
        now.set(T0 + 5_000);
        index.upsertPod(pod("batch", "worker-new", T0 + 3_000, "10.0.0.9").build()); // created at T0+3s

        assertThat(at("10.0.0.9", T0 - MINUTE)).isEqualTo("pod shop/web-old on node-1");
        assertThat(at("10.0.0.9", T0 - 1)).isEqualTo("pod shop/web-old on node-1");
        assertThat(at("10.0.0.9", T0 + 1_000)).as("after the deletion, before the new pod").isEqualTo("-");
        assertThat(at("10.0.0.9", T0 + 3_000)).isEqualTo("pod batch/worker-new on node-1");
        assertThat(at("10.0.0.9", T0 + 4 * MINUTE)).isEqualTo("pod batch/worker-new on node-1");

        now.set(T0 + 2 * MINUTE - 1);
        index.expire();
        assertThat(at("10.0.0.9", T0 - 1)).as("still within 2 minutes of the deletion").isEqualTo("pod shop/web-old on node-1");
        now.set(T0 + 2 * MINUTE);
        index.expire();
        assertThat(at("10.0.0.9", T0 - 1)).as("2 minutes after the deletion").isEqualTo("-");
        assertThat(at("10.0.0.9", T0 + 3_000)).isEqualTo("pod batch/worker-new on node-1");
    }

    @Test
    void aDeletedPodWithoutSuccessorIsForgottenTwoMinutesLater() {
        Pod gone = pod("shop", "gone", T0 - MINUTE, "10.0.0.10").build();
        index.upsertPod(gone);
        index.removePod(gone);
        assertThat(at("10.0.0.10", T0 - 1)).isEqualTo("pod shop/gone on node-1");

        now.set(T0 + 2 * MINUTE);
        index.expire();
        assertThat(at("10.0.0.10", T0 - 1)).isEqualTo("-");
        index.upsertPod(pod("shop", "next", T0 + 2 * MINUTE, "10.0.0.10").build());
        assertThat(at("10.0.0.10", T0 + 2 * MINUTE)).isEqualTo("pod shop/next on node-1");
    }

    @Test
    void aFinishedPodGivesItsIpBackAtOnce() {
        index.upsertPod(pod("batch", "job-x", T0 - MINUTE, "10.0.0.11").build());
        now.set(T0);
        index.upsertPod(pod("batch", "job-x", T0 - MINUTE, "10.0.0.11").editStatus().withPhase("Succeeded").endStatus().build());

        assertThat(at("10.0.0.11", T0 - 1)).isEqualTo("pod batch/job-x on node-1");
        assertThat(at("10.0.0.11", T0)).isEqualTo("-");
        assertThat(index.size()).isZero();
    }

    @Test
    void anUpdatedPodResolvesToItsNewStateAndLosesAddressesItNoLongerHas() {
        index.upsertPod(pod("shop", "web-1", T0 - MINUTE, "10.0.0.12", "fd00::12").build());
        now.set(T0);
        index.upsertPod(pod("shop", "web-1", T0 - MINUTE, "10.0.0.12").editSpec().withNodeName("node-2").endSpec().build());

        assertThat(at("10.0.0.12", T0)).isEqualTo("pod shop/web-1 on node-2");
        assertThat(at("10.0.0.12", T0 - 1)).as("one holder per pod: its latest state").isEqualTo("pod shop/web-1 on node-2");
        assertThat(at("fd00::12", T0 - 1)).isEqualTo("pod shop/web-1 on node-1");
        assertThat(at("fd00::12", T0)).isEqualTo("-");
    }

    static Stream<Arguments> workloads() {
        return Stream.of(
                Arguments.of("Deployment through its ReplicaSet", owner("ReplicaSet", "web-5d9c"), "Deployment/web"),
                Arguments.of("a bare ReplicaSet", owner("ReplicaSet", "bare-rs"), "ReplicaSet/bare-rs"),
                Arguments.of("CronJob through its Job", owner("Job", "nightly-2890"), "CronJob/nightly"),
                Arguments.of("a bare Job", owner("Job", "once"), "Job/once"),
                Arguments.of("a StatefulSet", owner("StatefulSet", "db"), "StatefulSet/db"),
                Arguments.of("a DaemonSet", owner("DaemonSet", "agent"), "DaemonSet/agent"),
                Arguments.of("an unknown owner", owner("Rollout", "canary"), "Rollout/canary"),
                Arguments.of("no owner", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void aPodsWorkloadIsTheOwnerAPersonWouldName(String description, OwnerReference owner, String expected) {
        index.upsertReplicaSet(replicaSet("shop", "web-5d9c", "web"));
        index.upsertReplicaSet(replicaSet("shop", "bare-rs", null));
        index.upsertJob(job("shop", "nightly-2890", "nightly"));
        index.upsertJob(job("shop", "once", null));
        index.upsertPod(ownedPod("shop", "p", owner, "10.0.1.1"));

        K8sObject pod = index.lookup("10.0.1.1", T0);
        assertThat(pod.workload() == null ? null : pod.workloadKind() + "/" + pod.workloadName()).isEqualTo(expected);
    }

    @Test
    void aPodSeenBeforeItsReplicaSetNamesTheDeploymentOnceTheReplicaSetArrives() {
        index.upsertPod(ownedPod("shop", "web-5d9c-a", owner("ReplicaSet", "web-5d9c"), "10.0.1.2"));
        assertThat(index.lookup("10.0.1.2", T0).workload()).isEqualTo(new K8sObject.Workload("ReplicaSet", "web-5d9c"));

        index.upsertReplicaSet(replicaSet("shop", "web-5d9c", "web"));
        assertThat(index.lookup("10.0.1.2", T0).workload()).isEqualTo(new K8sObject.Workload("Deployment", "web"));
        assertThat(index.lookup("10.0.1.2", T0).toString()).isEqualTo("pod shop/web-5d9c-a (Deployment/web) on node-1");

        index.upsertReplicaSet(replicaSet("other", "web-5d9c", "else"));
        assertThat(index.lookup("10.0.1.2", T0).workloadName()).as("namespaces kept apart").isEqualTo("web");
    }

    @Test
    void manyObjectsSurviveGrowthAndRemovalInAnyOrder() {
        for (int i = 0; i < 5_000; i++) {
            index.upsertPod(pod("ns", "p" + i, T0 - MINUTE, "10.1." + (i / 256) + "." + (i % 256)).build());
        }
        for (int i = 0; i < 5_000; i += 2) {
            index.removePod(pod("ns", "p" + i, T0 - MINUTE).build());
        }
        now.set(T0 + 3 * MINUTE);
        index.expire();
        for (int i = 0; i < 5_000; i++) {
            K8sObject o = index.lookup("10.1." + (i / 256) + "." + (i % 256), T0 - 1);
            assertThat(o == null ? null : o.name()).as("p%d", i).isEqualTo(i % 2 == 0 ? null : "p" + i);
        }
        assertThat(index.size()).isEqualTo(2_500);
    }

    @Test
    void lookupsOnAHitAllocateNothing() {
        for (int i = 0; i < 1_000; i++) {
            index.upsertPod(pod("ns", "p" + i, T0 - MINUTE, "10.2." + (i / 256) + "." + (i % 256), "fd00::2:" + i).build());
        }
        String[] ips = {"10.2.1.7", "fd00::2:99", "10.2.3.200"};
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < 300_000; i++) {
            sink += index.lookup(ips[i % 3], T0).name().length();
        }
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            sink += index.lookup(ips[i % 3], T0).name().length();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

        System.out.printf("lookup: %d bytes allocated in %d lookups (%d)%n", allocated, n, sink);
        // one object per lookup would be ≥ 16 MB; the few KB the JVM itself may charge to the thread
        // (compilation, deoptimisation) are no allocation by the lookup
        assertThat(allocated).as("bytes allocated by %d lookups", n).isLessThan(n / 10L);
        // how fast: the JMH benchmark (performance is measured there, not in a unit test on a shared machine)
    }
}
