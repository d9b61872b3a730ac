package dev.dnsflow.testing;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.util.List;

/** Flows with every field set, for tests of what consumes flows. */
public final class Flows {
    /** 2025-11-25T19:21:17.123456789Z */
    public static final long TIME = 1_764_098_477_123_456_789L;

    /** A pod of Deployment {@code web} in {@code default}, on {@code worker-1}. */
    public static final K8sRef MYPOD = new K8sRef(K8sRef.POD, "default", "mypod", "Deployment", "web", "worker-1");
    /** A CoreDNS pod, the client when the pod behind it is the flow's origin. */
    public static final K8sRef COREDNS = new K8sRef(K8sRef.POD, "kube-system", "coredns-7db6d8ff4d-x2x9k", "Deployment",
            "coredns", "worker-2");

    private Flows() {
    }

    /** {@code f} sent to dnsflow directly by {@code client} (null: an address the cluster does not know). */
    public static Flow askedBy(Flow f, K8sRef client) {
        return f.withNames(new K8sNames(null, client, List.of()));
    }

    /** {@code f} sent by CoreDNS ({@link #COREDNS}) for {@code origin}, which CoreDNS's EDNS0 options named. */
    public static Flow behindCoreDns(Flow f, K8sRef origin) {
        return new Flow(f.id(), f.timeEpochNanos(), f.client(), f.query(), f.attempts(), f.response(), f.durationMicros(),
                f.outcome(), f.chaos(), new Origin("10.244.1.7", 40000, Transport.UDP, "edns0-local", null, null, null))
                .withNames(new K8sNames(origin, COREDNS, List.of()));
    }

    /** A query that timed out on one upstream and was answered by the next. */
    public static Flow sample() {
        return new Flow("01JF0000000000000000000000", TIME, new Endpoint("10.244.0.5", 50759, Transport.UDP),
                new QueryInfo(29008, "example.com.", 1, 1, true, false, true, 1232, 52),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 4711, TIME + 1000, 300, AttemptOutcome.TIMEOUT),
                        new Attempt("10.0.0.3:53", Transport.UDP, 17, TIME + 2000, 450, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 68, false, new byte[] {4, (byte) 192, 0, 2, 1}), 812, Outcome.ANSWERED);
    }
}
