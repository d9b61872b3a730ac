package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.testing.Flows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --metrics-namespace-label: a capped namespace label, so a busy cluster cannot blow up the series count. */
class NamespaceMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final NamespaceMetrics metrics = new NamespaceMetrics(registry, 2);

    private static Flow askedBy(K8sRef client, FlowResponse response) {
        Flow s = Flows.sample();
        return new Flow(s.id(), s.timeEpochNanos(), s.client(), s.query(), s.attempts(), response, 1, s.outcome())
                .withNames(new K8sNames(null, client, List.of()));
    }

    private static K8sRef pod(String namespace) {
        return new K8sRef(K8sRef.POD, namespace, "p", null, null, null);
    }

    private double queries(String namespace) {
        return registry.get("dnsflow.queries.by.namespace").tag("namespace", namespace).counter().count();
    }

    @Test
    void theFirstCapNamespacesGetSeriesTheRestCountAsOther() {
        FlowResponse nxdomain = new FlowResponse(3, 0, 40, false, new byte[0]);
        for (String ns : new String[] {"a", "b", "c", "a", "d"}) {
            metrics.accept(askedBy(pod(ns), nxdomain));
        }
        metrics.accept(askedBy(null, null));
        metrics.accept(askedBy(K8sRef.node("worker-1"), nxdomain));

        assertThat(queries("a")).isEqualTo(2);
        assertThat(queries("b")).isEqualTo(1);
        assertThat(queries(NamespaceMetrics.OTHER)).isEqualTo(2);
        assertThat(queries(NamespaceMetrics.UNKNOWN)).as("no names at all").isEqualTo(1);
        assertThat(queries(NamespaceMetrics.NODE)).as("a hostNetwork pod").isEqualTo(1);
        assertThat(registry.find("dnsflow.queries.by.namespace").tag("namespace", "c").counter()).isNull();
        assertThat(registry.get("dnsflow.responses.by.namespace").tags("namespace", "a", "rcode", "NXDOMAIN").counter()
                .count()).isEqualTo(2);
        assertThat(registry.get("dnsflow.responses.by.namespace").tags("namespace", NamespaceMetrics.UNKNOWN, "rcode", "none")
                .counter().count()).as("no answer was sent").isEqualTo(1);
    }

    @Test
    void theCachesOwnRefreshIsNoPodsQuery() {
        FlowResponse ok = new FlowResponse(0, 1, 40, false, new byte[0]);
        metrics.accept(askedBy(pod("a"), ok));
        metrics.accept(askedBy(pod("a"), ok).with(CacheMark.KEY, new CacheMark(CacheMark.Result.REFRESH, 3)));

        assertThat(queries("a")).as("the refresh carries the pod that caused it, but the pod asked once").isEqualTo(1);
    }
}
