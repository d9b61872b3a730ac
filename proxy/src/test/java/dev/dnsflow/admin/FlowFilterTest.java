package dev.dnsflow.admin;

import static dev.dnsflow.testing.Flows.MYPOD;
import static dev.dnsflow.testing.Flows.askedBy;
import static dev.dnsflow.testing.Flows.behindCoreDns;
import static dev.dnsflow.testing.Flows.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sRef;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filters on who asked in the cluster, as {@code /api/v1/flows} applies them. */
class FlowFilterTest {
    private static final K8sRef BARE = new K8sRef(K8sRef.POD, "shop", "debug", null, null, "worker-2");

    private static boolean matches(String key, String value, Flow flow) {
        return FlowFilter.parse(Map.of(key, value), Set.of(), Instant.now()).test(flow);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "namespace, default,             true",
        "namespace, kube-system,         false",
        "pod,       mypod,               true",
        "pod,       my*,                 true",
        "pod,       *pod,                true",
        "pod,       m*p*d,               true",
        "pod,       *,                   true",
        "pod,       web-*,               false",
        "pod,       mypo,                false",
        "workload,  web,                 true",
        "workload,  Deployment/web,      true",
        "workload,  deployment/web,      true",
        "workload,  StatefulSet/web,     false",
        "workload,  api,                 false",
        "node,      worker-1,            true",
        "node,      worker-2,            false"})
    void matchesThePodThatAskedDnsflowDirectly(String key, String value, boolean expected) {
        assertThat(matches(key, value, askedBy(sample(), MYPOD))).isEqualTo(expected);
    }

    @Test
    void behindCoreDnsTheyMatchTheOriginPodNotCoreDns() {
        Flow f = behindCoreDns(sample(), MYPOD);
        assertThat(matches("namespace", "default", f)).isTrue();
        assertThat(matches("pod", "mypod", f)).isTrue();
        assertThat(matches("namespace", "kube-system", f)).as("CoreDNS is the client, not the asker").isFalse();
        assertThat(matches("workload", "coredns", f)).isFalse();
        assertThat(matches("node", "worker-2", f)).isFalse();
    }

    @Test
    void anOriginTheClusterDoesNotKnowIsNoAskerEvenWhenCoreDnsIsKnown() {
        Flow f = behindCoreDns(sample(), null);
        for (String[] kv : new String[][] {{"namespace", "kube-system"}, {"pod", "*"}, {"workload", "coredns"},
            {"node", "worker-2"}}) {
            assertThat(matches(kv[0], kv[1], f)).as(kv[0]).isFalse();
        }
    }

    @Test
    void aFlowWithoutNamesNeverMatches() {
        for (String key : AskerFilter.PARAMETERS) {
            assertThat(matches(key, key.equals("pod") ? "*" : "default", sample())).as(key).isFalse();
        }
    }

    @Test
    void aPodNoControllerOwnsIsItsOwnWorkloadAsTopShowsItAndAHostNetworkAskerIsItsNode() {
        assertThat(matches("workload", "Pod/debug", askedBy(sample(), BARE))).as("top's key default/Pod/debug").isTrue();
        assertThat(matches("workload", "debug", askedBy(sample(), BARE))).isTrue();
        assertThat(matches("workload", "Deployment/debug", askedBy(sample(), BARE))).isFalse();
        assertThat(matches("pod", "debug", askedBy(sample(), BARE))).isTrue();
        Flow fromNode = askedBy(sample(), K8sRef.node("worker-1"));
        assertThat(matches("node", "worker-1", fromNode)).isTrue();
        assertThat(matches("pod", "*", fromNode)).as("a node is no pod").isFalse();
        assertThat(matches("namespace", "default", fromNode)).isFalse();
    }

    @Test
    void combineWithTheOtherFilters() {
        Flow f = askedBy(sample(), MYPOD);
        assertThat(FlowFilter.parse(Map.of("namespace", "default", "name", "example.com"), Set.of(), Instant.now()).test(f))
                .isTrue();
        assertThat(FlowFilter.parse(Map.of("namespace", "default", "name", "other.com"), Set.of(), Instant.now()).test(f))
                .isFalse();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "namespace | Default          | namespace: 'Default' is not a namespace",
        "namespace | a/b              | namespace: 'a/b'",
        "namespace | -x               | namespace: '-x'",
        "pod       | web_1            | pod: 'web_1' is not a pod name, or a glob such as web-*",
        "pod       | default/mypod    | pod: 'default/mypod'",
        "workload  | Deployment/      | workload: 'Deployment/' is not [KIND/]NAME",
        "workload  | apps/v1/web      | workload: 'apps/v1/web'",
        "workload  | /web             | workload: '/web'",
        "node      | worker 1         | node: 'worker 1' is not a node name"})
    void refusesValuesNoKubernetesNameCanHaveNamingTheParameter(String key, String value, String message) {
        assertThatThrownBy(() -> FlowFilter.parse(Map.of(key, value), Set.of(), Instant.now()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void anUnknownFilterListsTheNewOnesToo() {
        assertThatThrownBy(() -> FlowFilter.parse(Map.of("pods", "x"), Set.of(), Instant.now()))
                .hasMessageContaining("namespace").hasMessageContaining("workload").hasMessageContaining("node");
    }

    @Test
    void globsStayLinearWhateverTheStars() {
        String name = "a".repeat(253);
        long start = System.nanoTime();
        assertThat(AskerFilter.glob("*a*a*a*a*a*a*a*a*a*a*b", name)).isFalse();
        assertThat(System.nanoTime() - start).isLessThan(100_000_000L);
        assertThat(AskerFilter.glob("web-*-x", "web-abc-x")).isTrue();
        assertThat(AskerFilter.glob("web-*-x", "web-abc-y")).isFalse();
        assertThat(AskerFilter.glob("", "")).isTrue();
    }

    @Test
    void cacheMatchesWhatTheCacheDidAndNeverAFlowItTookNoPartIn() {
        Flow hit = sample().with(CacheMark.KEY, new CacheMark(CacheMark.Result.HIT, 12));
        Flow stale = sample().with(CacheMark.KEY, new CacheMark(CacheMark.Result.STALE, 30));
        assertThat(matches("cache", "hit", hit)).isTrue();
        assertThat(matches("cache", "HIT", hit)).isTrue();
        assertThat(matches("cache", "miss", hit)).isFalse();
        assertThat(matches("cache", "miss, stale", stale)).isTrue();
        assertThat(matches("cache", "prefetch", stale)).isFalse();
        assertThat(matches("cache", "hit,miss,prefetch,stale", sample())).as("no cache part").isFalse();
        Flow refresh = sample().with(CacheMark.KEY, new CacheMark(CacheMark.Result.REFRESH, 3));
        assertThat(matches("cache", "refresh", refresh)).isTrue();
        assertThat(matches("cache", "prefetch", refresh)).as("the refresh is not the client's prefetch").isFalse();
    }

    @Test
    void anUnknownCacheResultIsRefusedListingTheValues() {
        assertThatThrownBy(() -> matches("cache", "hot", sample()))
                .hasMessage("cache: unknown value 'hot' (hit, miss, prefetch, stale, refresh)");
    }
}
