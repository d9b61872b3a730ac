package dev.dnsflow.k8s;

import static dev.dnsflow.k8s.Objects.node;
import static dev.dnsflow.k8s.Objects.owner;
import static dev.dnsflow.k8s.Objects.ownedPod;
import static dev.dnsflow.k8s.Objects.replicaSet;
import static dev.dnsflow.k8s.Objects.service;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

/** The index of a large cluster fits the sidecar's heap: 10 000 pods, 3 000 services, 100 nodes ≤ 40 MiB. */
class ClusterIndexMemoryTest {

    @Test
    void aTenThousandPodIndexRetainsAtMostFortyMebibytes() {
        long before = usedAfterGc();
        ClusterIndex index = new ClusterIndex();
        for (int n = 0; n < 100; n++) {
            index.upsertNode(node("node-" + n, "192.168." + n + ".10", "203.0.113." + n));
        }
        for (int d = 0; d < 2_000; d++) {
            index.upsertReplicaSet(replicaSet("team-" + d % 50, "deployment-" + d + "-5d9c8f7b6", "deployment-" + d));
        }
        for (int p = 0; p < 10_000; p++) {
            int d = p % 2_000;
            // dual-stack pods: two addresses each
            index.upsertPod(ownedPod("team-" + d % 50, "deployment-" + d + "-5d9c8f7b6-" + Integer.toString(p, 36) + "xq9z",
                    owner("ReplicaSet", "deployment-" + d + "-5d9c8f7b6"), "10.1." + p / 256 + "." + p % 256)
                    .edit().editStatus().addNewPodIP("fd00:10::" + Integer.toHexString(p)).endStatus().build());
        }
        for (int s = 0; s < 3_000; s++) {
            index.upsertService(service("team-" + s % 50, "service-" + s, "10.96." + s / 256 + "." + s % 256,
                    "fd00:96::" + Integer.toHexString(s)));
        }
        long retained = usedAfterGc() - before;

        System.out.printf("index of 10000 pods, 3000 services, 100 nodes retains %.1f MiB%n", retained / 1048576.0);
        assertThat(index.size()).isEqualTo(13_100);
        assertThat(index.lookup("10.1.39.15", 0).workloadName()).isEqualTo("deployment-" + (39 * 256 + 15) % 2_000);
        assertThat(retained).isLessThanOrEqualTo(40L << 20);
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
