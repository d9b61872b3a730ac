package dev.dnsflow.k8s;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Mnemonics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code --metrics-namespace-label[=CAP]}: {@code dnsflow_queries_by_namespace_total{namespace}} and
 * {@code dnsflow_responses_by_namespace_total{namespace,rcode}}, by the namespace of the pod that asked.
 * Twins of the query and response counters rather than an extra label on them: those are counted on the
 * event loops, before anyone knows the pod, and the names are looked up only here, on the recorder's
 * thread. The first CAP namespaces get their own series; later ones count as {@code _other}; a flow
 * whose asker is unknown counts as {@code _unknown}, a node (a hostNetwork pod) as {@code _node}. No
 * namespace can have these names (they are not DNS labels).
 */
final class NamespaceMetrics implements FlowSink {
    static final String OTHER = "_other";
    static final String UNKNOWN = "_unknown";
    static final String NODE = "_node";
    static final String NO_ANSWER = "none";

    private final MeterRegistry registry;
    private final int cap;
    private final Map<String, Counter> queries = new HashMap<>();
    private final Map<String, Map<String, Counter>> responses = new HashMap<>();
    /** How many real namespaces have a series of their own. */
    private int named;

    NamespaceMetrics(MeterRegistry registry, int cap) {
        this.registry = registry;
        this.cap = cap;
    }

    @Override
    public String name() {
        return "namespace-metrics";
    }

    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void accept(Flow flow) {
        if (CacheMark.background(flow)) { // the cache's own refresh: no pod asked it
            return;
        }
        String namespace = label(K8sNames.asker(flow));
        queries.computeIfAbsent(namespace, ns -> Counter.builder("dnsflow.queries.by.namespace").tag("namespace", ns)
                .description("Client queries by the namespace of the pod that asked (opt-in, capped)").register(registry))
                .increment();
        String rcode = flow.response() == null ? NO_ANSWER : Mnemonics.rcode(flow.response().rcode());
        responses.computeIfAbsent(namespace, ns -> new HashMap<>()).computeIfAbsent(rcode, rc ->
                Counter.builder("dnsflow.responses.by.namespace").tag("namespace", namespace).tag("rcode", rc)
                        .description("Answers by the namespace of the pod that asked and response code (opt-in, capped)")
                        .register(registry)).increment();
    }

    private String label(K8sRef asker) {
        String ns = asker == null ? UNKNOWN : asker.namespace() == null ? NODE : asker.namespace();
        if (queries.containsKey(ns) || ns.startsWith("_")) {
            return ns;
        }
        if (named < cap) {
            named++;
            return ns;
        }
        return OTHER;
    }
}
