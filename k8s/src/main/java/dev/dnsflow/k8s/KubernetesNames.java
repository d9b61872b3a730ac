package dev.dnsflow.k8s;

import dev.dnsflow.record.FlowEnricher;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * The one public way to name flows from a {@link ClusterIndex} without the plugin's informers: for the
 * plugin itself and for benchmarks and embedders that fill the index their own way.
 */
public final class KubernetesNames {
    private KubernetesNames() {
    }

    /**
     * An enricher that names each flow's origin, client and upstreams as {@code index} knew them when the
     * flow started, and counts {@code dnsflow_flows_enriched_total{kind}} in {@code registry}. Single-threaded,
     * like every {@link FlowEnricher}: give each recorder its own.
     *
     * @param env the downward API's POD_NAME, POD_NAMESPACE, NODE_NAME and POD_IP: who a loopback client is
     *            (empty outside a pod: loopback is then unknown)
     */
    public static FlowEnricher enricher(ClusterIndex index, Map<String, String> env, MeterRegistry registry) {
        return new NamesEnricher(new AddressNamer(index, env), registry);
    }
}
