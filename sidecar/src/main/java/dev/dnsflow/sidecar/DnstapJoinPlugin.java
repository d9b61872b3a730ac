package dev.dnsflow.sidecar;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.sidecar.join.Joiner;
import java.time.Duration;

/**
 * The sidecar's capability: CoreDNS's own dnstap, received on a listener of its own once DNS is
 * served, joined into the flows on the recorder's thread. The listener closes with the proxy, after
 * the last queries drained, so the join sees CoreDNS's side of them too.
 */
final class DnstapJoinPlugin implements Plugin {
    private final String listen;
    private final FrameStreamsReceiver.Limits limits;
    private final Duration window;
    private final int max;

    DnstapJoinPlugin(String listen, FrameStreamsReceiver.Limits limits, Duration window, int max) {
        this.listen = listen;
        this.limits = limits;
        this.window = window;
        this.max = max;
    }

    @Override
    public String name() {
        return "join";
    }

    @Override
    public void setup(Plan plan) {
        Joiner joiner = new Joiner(window, max, plan.metrics().registry());
        plan.enricher(joiner);
        plan.listener(() -> new FrameStreamsReceiver(listen, joiner::offer, limits, plan.metrics().registry()));
    }
}
