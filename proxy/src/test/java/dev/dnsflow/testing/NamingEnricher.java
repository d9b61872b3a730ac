package dev.dnsflow.testing;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.record.FlowEnricher;
import java.util.function.Function;

/**
 * Names who asked each flow the way the Kubernetes plugin would, from a rule the test gives (e.g. by the query
 * name), so API and CLI tests get named flows from a real proxy without an API server. Put it in with
 * {@code proxy.recorder().enricher(...)}.
 */
public final class NamingEnricher implements FlowEnricher {
    private final Function<Flow, K8sRef> asker;

    /** @param asker the client's object for a flow, null when the cluster would not know it */
    public NamingEnricher(Function<Flow, K8sRef> asker) {
        this.asker = asker;
    }

    @Override
    public void accept(Flow flow, WireCapture wire, Output out) {
        K8sRef who = asker.apply(flow);
        out.deliver(who == null ? flow : Flows.askedBy(flow, who), wire);
    }

    @Override
    public void tick(long nowEpochNanos, Output out) {
    }

    @Override
    public void flush(Output out) {
    }
}
