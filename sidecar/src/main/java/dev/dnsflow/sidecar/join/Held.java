package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.WireCapture;

/** One of our flows waiting for CoreDNS's side: the flow, its deadline, and the pod query it is joined with. */
final class Held {
    Flow flow;
    WireCapture wire;
    final String question;
    final long deadline;
    Transaction transaction;
    boolean released;

    Held(Flow flow, WireCapture wire, long deadline) {
        this.flow = flow;
        this.wire = wire;
        this.question = flow.query().name() == null ? null : JoinState.question(flow.query().name(), flow.query().type());
        this.deadline = deadline;
    }
}
