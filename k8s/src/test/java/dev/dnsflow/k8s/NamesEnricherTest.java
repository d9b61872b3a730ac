package dev.dnsflow.k8s;

import static dev.dnsflow.k8s.Objects.node;
import static dev.dnsflow.k8s.Objects.owner;
import static dev.dnsflow.k8s.Objects.ownedPod;
import static dev.dnsflow.k8s.Objects.replicaSet;
import static dev.dnsflow.k8s.Objects.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a flow's addresses turn into, as a user reads them in the flow's JSON. */
class NamesEnricherTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Map<String, String> IN_COREDNS_POD = Map.of("POD_NAME", "coredns-7db6d8ff4d-x2x9k",
            "POD_NAMESPACE", "kube-system", "NODE_NAME", "worker-2");

    private final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(T0);
    private final ClusterIndex index = new ClusterIndex(now::get);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    NamesEnricherTest() {
        index.upsertReplicaSet(replicaSet("default", "web-abc", "web"));
        index.upsertPod(ownedPod("default", "mypod", owner("ReplicaSet", "web-abc"), "10.244.1.7"));
        index.upsertPod(ownedPod("kube-system", "coredns-7db6d8ff4d-x2x9k", null, "10.244.2.3"));
        index.upsertService(service("kube-system", "kube-dns", "10.96.0.10"));
        index.upsertService(service("dns", "unbound", "10.96.0.53", "fd00:96::53"));
        index.upsertNode(node("worker-1", "192.168.1.10", "203.0.113.10"));
    }

    private Flow name(Flow flow, Map<String, String> env) {
        return new NamesEnricher(new AddressNamer(index, env), registry).name(flow);
    }

    private static Flow flow(String client, Origin origin, String... upstreams) {
        List<Attempt> attempts = java.util.Arrays.stream(upstreams)
                .map(u -> new Attempt(u, Transport.UDP, 7, T0 * 1_000_000, 300, AttemptOutcome.ANSWERED)).toList();
        return new Flow("id", T0 * 1_000_000, new Endpoint(client, 40000, Transport.UDP),
                new QueryInfo(1, "example.com.", 1, 1, true, false, false, 0, 40), attempts, null, 500, Outcome.ANSWERED,
                null, origin);
    }

    private static Origin origin(String ip, Integer prefix) {
        return new Origin(ip, 0, null, "edns0-local", null, null, prefix);
    }

    @Test
    void thePodThatAskedCorednsItsClientAndTheUpstreamServiceAreEachNamed() {
        Flow named = name(flow("10.244.2.3", origin("10.244.1.7", null), "10.0.0.1:53", "[fd00:96::53]:53"), Map.of());

        K8sNames n = named.names();
        assertThat(n.origin()).isEqualTo(new K8sRef("pod", "default", "mypod", "Deployment", "web", "node-1"));
        assertThat(n.client().display()).isEqualTo("kube-system/coredns-7db6d8ff4d-x2x9k");
        assertThat(n.upstream(0)).as("an upstream outside the cluster is not named").isNull();
        assertThat(n.upstream(1)).isEqualTo(new K8sRef("service", "dns", "unbound", null, null, null));
        assertThat(K8sNames.asker(named).name()).isEqualTo("mypod");
        assertThat(registry.get("dnsflow.flows.enriched").tag("kind", "pod").counter().count()).isEqualTo(1);
    }

    @Test
    void aLoopbackClientIsOurOwnPodFromTheDownwardApi() {
        Flow named = name(flow("127.0.0.1", null, "10.96.0.10:53"), IN_COREDNS_POD);

        assertThat(named.names().client()).isEqualTo(new K8sRef("pod", "kube-system", "coredns-7db6d8ff4d-x2x9k", null, null,
                "worker-2"));
        assertThat(named.names().upstream(0).display()).isEqualTo("kube-system/kube-dns");
        assertThat(name(flow("::1", null), Map.of()).names()).as("outside a pod, loopback is nobody").isNull();
    }

    @Test
    void withItsPodIpOurOwnPodCarriesWhatTheIndexKnows() {
        Map<String, String> env = new java.util.HashMap<>(IN_COREDNS_POD);
        env.put("POD_IP", "10.244.1.7"); // pretend we run as mypod, which has a workload in the index

        assertThat(name(flow("127.0.0.1", null), env).names().client().workloadName()).isEqualTo("web");
    }

    @Test
    void aSubnetOriginIsNeverGuessedAndANodeAddressIsTheNode() {
        Flow named = name(flow("192.168.1.10", origin("10.244.1.0", 24)), Map.of());

        assertThat(named.names().origin()).as("ECS /24 is many pods").isNull();
        assertThat(named.names().client()).isEqualTo(K8sRef.node("worker-1"));
        assertThat(K8sNames.asker(named)).as("the asker is the origin, which is unknown").isNull();
        assertThat(registry.get("dnsflow.flows.enriched").tag("kind", "unknown").counter().count()).isEqualTo(1);
    }

    @Test
    void aFlowWithNothingKnownIsPassedOnUntouched() {
        Flow flow = flow("203.0.113.99", null, "8.8.8.8:53");

        assertThat(name(flow, Map.of())).isSameAs(flow);
        assertThat(registry.get("dnsflow.flows.enriched").tag("kind", "unknown").counter().count()).isEqualTo(1);
        assertThat(registry.get("dnsflow.flows.enriched").tag("kind", "service").counter().count())
                .as("every kind is exported from the start").isZero();
    }

    @Test
    void anAddressIsNamedByWhoHeldItWhenTheFlowStarted() {
        now.set(T0 + 1000);
        index.removePod(ownedPod("default", "mypod", owner("ReplicaSet", "web-abc"), "10.244.1.7"));
        now.set(T0 + 2000);
        index.upsertPod(Objects.pod("default", "newcomer", T0 + 2000, "10.244.1.7").build());

        assertThat(name(flow("10.244.1.7", null), Map.of()).names().client().name())
                .as("the flow started before the deletion").isEqualTo("mypod");
        Flow later = flow("10.244.1.7", null);
        later = new Flow(later.id(), (T0 + 3000) * 1_000_000, later.client(), later.query(), later.attempts(), null, 0,
                later.outcome());
        assertThat(name(later, Map.of()).names().client().name()).isEqualTo("newcomer");
    }
}
