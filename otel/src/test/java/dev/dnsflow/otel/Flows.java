package dev.dnsflow.otel;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.util.List;

/** Flows as the recorder would hand them over, for mapping tests that need no real proxy. */
final class Flows {
    static final long T0 = 1_760_000_000_123_000_000L;
    static final Endpoint CLIENT = new Endpoint("10.0.0.9", 40000, Transport.UDP);
    static final String UPSTREAM = "192.0.2.53:53";

    private Flows() {
    }

    static QueryInfo query(String name) {
        return new QueryInfo(4242, name, 1, 1, true, false, false, 0, 29);
    }

    static Attempt attempt(int index, int id, AttemptOutcome outcome, long rttMicros) {
        return new Attempt(UPSTREAM, Transport.UDP, id, T0 + 100_000 + index * 500_000_000L, rttMicros, outcome);
    }

    static FlowResponse response(int rcode, byte[]... addresses) {
        int length = 0;
        for (byte[] a : addresses) {
            length += 1 + a.length;
        }
        byte[] raw = new byte[length];
        int at = 0;
        for (byte[] a : addresses) {
            raw[at++] = (byte) a.length;
            System.arraycopy(a, 0, raw, at, a.length);
            at += a.length;
        }
        return new FlowResponse(rcode, addresses.length, 45, false, raw);
    }

    static Flow answered(String id) {
        return new Flow(id, T0, CLIENT, query("example.com."), List.of(attempt(0, 777, AttemptOutcome.ANSWERED, 900)),
                response(0, new byte[] {(byte) 192, 0, 2, 1}), 1200, Outcome.ANSWERED);
    }

    static Flow nxdomain(String id) {
        return new Flow(id, T0, CLIENT, query("nope.example.com."), List.of(attempt(0, 778, AttemptOutcome.ANSWERED, 900)),
                response(3), 1200, Outcome.ANSWERED);
    }

    static Flow retried(String id) {
        return new Flow(id, T0, CLIENT, query("example.com."),
                List.of(attempt(0, 779, AttemptOutcome.TIMEOUT, 500_000), attempt(1, 780, AttemptOutcome.ANSWERED, 800)),
                response(0, new byte[] {(byte) 192, 0, 2, 1}), 501_000, Outcome.ANSWERED);
    }

    static Flow timedOut(String id) {
        return new Flow(id, T0, CLIENT, query("example.com."),
                List.of(attempt(0, 781, AttemptOutcome.TIMEOUT, 500_000), attempt(1, 782, AttemptOutcome.TIMEOUT, 500_000)),
                response(2), 1_000_500, Outcome.SERVFAIL);
    }

    static Flow chaosDropped(String id) {
        return new Flow(id, T0, CLIENT, query("example.com."), List.of(), null, 50, Outcome.CHAOS_DROP,
                new ChaosMark("drop-some", "drop", 0), null);
    }

    /** What the sidecar's join makes of a pod query CoreDNS received and never answered. */
    static Flow corednsDropped(String id) {
        Origin pod = new Origin("10.1.2.3", 51000, Transport.UDP, "dnstap", null, null, null, 9);
        return new Flow(id, T0, new Endpoint("10.1.2.3", 51000, Transport.UDP), new QueryInfo(9, "svc.ns.svc.cluster.local.",
                1, 1, true, false, false, 0, 40), List.of(), null, 3_000_000, Outcome.UNANSWERED_AT_COREDNS, null, pod)
                .with(CorednsSide.KEY, new CorednsSide(T0, 0, -1, 0, false));
    }

    /** A flow the sidecar joined with CoreDNS's record: CoreDNS received it 200 µs before dnsflow did. */
    static Flow joined(String id) {
        Origin pod = new Origin("10.1.2.3", 51000, Transport.UDP, "dnstap", null, null, null, 9);
        Flow f = new Flow(id, T0, CLIENT, query("example.com."), List.of(attempt(0, 783, AttemptOutcome.ANSWERED, 900)),
                response(0, new byte[] {(byte) 192, 0, 2, 1}), 1200, Outcome.ANSWERED, null, pod);
        return f.with(CorednsSide.KEY, new CorednsSide(T0 - 200_000, T0 + 1_500_000, 0, 1700, true));
    }
}
