package dev.dnsflow.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Flows;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The compact line names who asked and the upstreams when the cluster does, addresses otherwise. */
class FlowTextTest {
    @Test
    void withoutNamesTheLineShowsAddresses() {
        String line = FlowText.compact(Flows.sample());
        assertThat(line).contains("  10.244.0.5:50759 udp id=29008 → dnsflow → 10.0.0.2:53 udp id=4711")
                .contains(" → 10.0.0.3:53 udp id=17 ");
    }

    @Test
    void aKnownAskerAndAKnownUpstreamAreShownByName() {
        K8sRef kubeDns = new K8sRef(K8sRef.SERVICE, "kube-system", "kube-dns", null, null, null);
        Flow f = Flows.sample().withNames(new K8sNames(null, Flows.MYPOD, Arrays.asList(null, kubeDns)));
        assertThat(FlowText.compact(f)).contains("  default/mypod udp id=29008 → dnsflow → 10.0.0.2:53 udp id=4711")
                .contains(" → kube-system/kube-dns udp id=17 ").doesNotContain("10.244.0.5");
    }

    @Test
    void behindCoreDnsThePodThatAskedIsShownNotCoreDns() {
        assertThat(FlowText.compact(Flows.behindCoreDns(Flows.sample(), Flows.MYPOD))).contains("  default/mypod udp id=29008 ")
                .doesNotContain("coredns");
        assertThat(FlowText.compact(Flows.behindCoreDns(Flows.sample(), null)))
                .as("the origin is unknown: CoreDNS's address, as before").contains("  10.244.0.5:50759 udp id=29008 ");
    }
}
