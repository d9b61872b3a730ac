package dev.dnsflow.k8s;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.record.FlowEnricher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names the cluster objects behind a flow's addresses, on the recorder's thread (never on an event
 * loop): the origin (unless it is a subnet: never guessed), the client, and each attempt's upstream,
 * each as it was when the flow started. Counts flows by what the asker turned out to be,
 * {@code dnsflow_flows_enriched_total{kind}}: pod, service, node or unknown.
 */
final class NamesEnricher implements FlowEnricher {
    static final String UNKNOWN = "unknown";

    private final AddressNamer namer;
    private final Counter pods;
    private final Counter services;
    private final Counter nodes;
    private final Counter unknown;
    /** Upstream label ({@code 10.0.0.2:53}, {@code [fd00::2]:53}) → its address: upstreams are few, so parse each once. */
    private final Map<String, String> upstreamHosts = new HashMap<>();
    /** Each attempt's upstream object while a flow is named; reused (one thread), {@link K8sNames#of} copies it. */
    private K8sRef[] upstreams = new K8sRef[2];

    NamesEnricher(AddressNamer namer, MeterRegistry registry) {
        this.namer = namer;
        this.pods = counter(registry, K8sRef.POD);
        this.services = counter(registry, K8sRef.SERVICE);
        this.nodes = counter(registry, K8sRef.NODE);
        this.unknown = counter(registry, UNKNOWN);
    }

    @Override
    public void accept(Flow flow, WireCapture wire, Output out) {
        out.deliver(name(flow), wire);
    }

    @Override
    public void tick(long nowEpochNanos, Output out) {
        // nothing held
    }

    @Override
    public void flush(Output out) {
        // nothing held
    }

    Flow name(Flow flow) {
        long at = flow.timeEpochNanos() / 1_000_000;
        K8sRef client = namer.name(flow.client().ip(), at);
        K8sRef origin = flow.origin() == null || flow.origin().isSubnet() ? null : namer.name(flow.origin().ip(), at);
        List<Attempt> attempts = flow.attempts();
        int n = attempts.size();
        if (upstreams.length < n) {
            upstreams = new K8sRef[n];
        }
        boolean anyUpstream = false;
        for (int i = 0; i < n; i++) {
            K8sRef u = namer.name(host(attempts.get(i).upstream()), at);
            upstreams[i] = u;
            anyUpstream |= u != null;
        }
        K8sRef asker = flow.origin() != null ? origin : client;
        count(asker);
        if (client == null && origin == null && !anyUpstream) {
            return flow;
        }
        return flow.withNames(K8sNames.of(origin, client, upstreams, anyUpstream ? n : 0));
    }

    private void count(K8sRef asker) {
        Counter c = asker == null ? unknown : switch (asker.kind()) {
            case K8sRef.POD -> pods;
            case K8sRef.SERVICE -> services;
            case K8sRef.NODE -> nodes;
            default -> unknown;
        };
        c.increment();
    }

    private String host(String upstream) {
        String host = upstreamHosts.get(upstream);
        if (host == null) {
            int colon = upstream.lastIndexOf(':');
            host = colon < 0 ? upstream : upstream.substring(upstream.startsWith("[") ? 1 : 0,
                    upstream.startsWith("[") ? colon - 1 : colon);
            if (upstreamHosts.size() < 1024) { // bounded: a flood of odd labels cannot grow it
                upstreamHosts.put(upstream, host);
            }
        }
        return host;
    }

    private static Counter counter(MeterRegistry registry, String kind) {
        return Counter.builder("dnsflow.flows.enriched").tag("kind", kind)
                .description("Flows by what the Kubernetes API says asked: pod, service, node, or unknown")
                .register(registry);
    }
}
