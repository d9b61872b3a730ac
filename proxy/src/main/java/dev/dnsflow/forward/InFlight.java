package dev.dnsflow.forward;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.flow.WallClock;
import dev.dnsflow.pipeline.Exchange;

/** The forward stage's state for one exchange: which upstream is being tried, under which ID, until when. */
final class InFlight {
    final Exchange exchange;
    final long deadline;
    final TimeoutList.Node attemptTimer = new TimeoutList.Node(this);
    final TimeoutList.Node deadlineTimer = new TimeoutList.Node(this);
    /** Index of the upstream last tried, -1 before the first attempt. */
    int cursor = -1;
    int first;
    int attempts;
    Transport transport;

    // The outstanding attempt, if any (carrier != null).
    Upstream upstream;
    Carrier carrier;
    int wireId;
    Transport attemptTransport;
    long sentNanos;

    InFlight(Exchange exchange, long deadline, int first, Transport transport) {
        this.exchange = exchange;
        this.deadline = deadline;
        this.first = first;
        this.transport = transport;
    }

    boolean outstanding() {
        return carrier != null;
    }

    void started(Upstream upstream, Carrier carrier, int wireId, Transport transport, long now) {
        this.upstream = upstream;
        this.carrier = carrier;
        this.wireId = wireId;
        this.attemptTransport = transport;
        this.sentNanos = now;
    }

    /** Ends the outstanding attempt: frees its ID and records it on the exchange. */
    void settle(AttemptOutcome outcome, long now) {
        if (carrier == null) {
            return;
        }
        carrier.release(wireId, this);
        carrier = null;
        upstream.metrics().settled();
        exchange.facts().addAttempt(new Attempt(upstream.label(), attemptTransport, wireId, WallClock.epochNanos(sentNanos),
                (now - sentNanos) / 1_000, outcome));
    }

    /** Records an attempt that never got on the wire (no ID free, no socket). */
    void failedToStart(Upstream upstream, Transport transport, long now) {
        exchange.facts().addAttempt(new Attempt(upstream.label(), transport, -1, WallClock.epochNanos(now), 0, AttemptOutcome.ERROR));
    }
}
