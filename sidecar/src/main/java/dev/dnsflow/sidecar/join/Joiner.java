package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowIds;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.record.FlowEnricher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Joins CoreDNS's own dnstap (the pod's side) with dnsflow's flows (the upstream side), on the recorder
 * thread. A flow waits up to the join window for CoreDNS's CLIENT_RESPONSE to the pod, then leaves with
 * {@code origin} (the pod and its own message ID) and {@code coredns} filled in. Pod queries that never
 * reached dnsflow become flows of their own: {@code answered_at_coredns} (cache, kubernetes plugin) or
 * {@code unanswered_at_coredns}. Matching: the pod's address and port from client context when the flow
 * has them, else the question and the time window; among several candidates the oldest wins.
 *
 * <p>A CLIENT_RESPONSE without a FORWARDER_QUERY for the same pod query is not taken as "CoreDNS answered
 * itself" at once: the flow of a forwarded query may still be in the recorder's queue (it was queued before the
 * producer even answered, but the dnstap can be read first), and producers other than CoreDNS (unbound, dnsdist)
 * send no FORWARDER_QUERY carrying the client's ID at all. The decision waits until a flow that ended after that
 * response has been seen, or a short grace (at most 500 ms) has passed.
 *
 * <p>State is bounded by count and time: at most {@code maxState} flows held and {@code maxState} pod queries
 * open (waiting for a flow or joined with a held one), counting only live ones. What does not fit is counted
 * ({@code dnsflow_join_overflow_total}): a flow is passed on unjoined at once; a pod query pushes the oldest
 * unjoined one out, which is then forgotten, not reported, since nobody knows how it ended. Finding candidates
 * goes through an index by question, so an event costs the same whether 10 or 100 000 are held.
 *
 * <p>This class handles the events and emits the flows; {@link JoinState} keeps the pod queries, the held flows
 * and their indexes.
 */
public final class Joiner implements FlowEnricher {
    private static final long MAX_GRACE_NANOS = 500_000_000L;

    private final long windowNanos;
    private final long graceNanos;
    private final int maxState;
    private final Queue<CorednsEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final JoinState state;
    /** The latest {@code tick} time, and the latest end (arrival + duration) among the flows seen. */
    private long lastNow;
    private long latestFlowEnd;
    private final FlowIds ids = new FlowIds(255);
    private final Counter overflow;
    private final Counter joinedCount;

    public Joiner(Duration window, int maxState, MeterRegistry registry) {
        this.windowNanos = window.toNanos();
        this.graceNanos = Math.min(windowNanos, MAX_GRACE_NANOS);
        this.maxState = maxState;
        this.state = new JoinState(windowNanos, maxState);
        this.overflow = Counter.builder("dnsflow.join.overflow").description("CoreDNS events or flows the join had no room for")
                .register(registry);
        this.joinedCount = Counter.builder("dnsflow.join.joined").description("Flows joined with CoreDNS's dnstap")
                .register(registry);
    }

    /** From the dnstap receiver's threads: queue a decoded CoreDNS message; never blocks. */
    public void offer(byte[] dnstapFrame) {
        CorednsEvent e = CorednsEvents.decode(dnstapFrame);
        if (e == null) {
            return;
        }
        if (inboxSize.incrementAndGet() > maxState) {
            inboxSize.decrementAndGet();
            overflow.increment();
            return;
        }
        inbox.add(e);
    }

    @Override
    public void accept(Flow flow, WireCapture wire, Output out) {
        drainInbox(out);
        latestFlowEnd = Math.max(latestFlowEnd, flow.timeEpochNanos() + flow.durationMicros() * 1000);
        if (state.heldFlows() >= maxState) {
            overflow.increment();
            out.deliver(flow, wire);
            return;
        }
        Held h = new Held(flow, wire, flow.timeEpochNanos() + flow.durationMicros() * 1000 + windowNanos);
        Transaction t = state.admit(h);
        if (t != null && t.responded > 0) {
            release(h, out);
            return;
        }
        state.hold(h);
    }

    @Override
    public void tick(long now, Output out) {
        lastNow = Math.max(lastNow, now);
        drainInbox(out);
        for (Held h = state.nextDue(now); h != null; h = state.nextDue(now)) {
            release(h, out);
        }
        for (Transaction t = state.nextDecided(now, latestFlowEnd); t != null; t = state.nextDecided(now, latestFlowEnd)) {
            emitCorednsOnly(t, Outcome.ANSWERED_AT_COREDNS, out);
        }
        for (Transaction t = state.nextExpired(now); t != null; t = state.nextExpired(now)) {
            expire(t, out);
        }
    }

    @Override
    public void flush(Output out) {
        drainInbox(out);
        for (Held h : state.takeHeld()) {
            release(h, out);
        }
        for (Transaction t : state.takeWaiting()) {
            expire(t, out);
        }
    }

    private void drainInbox(Output out) {
        CorednsEvent e;
        while ((e = inbox.poll()) != null) {
            inboxSize.decrementAndGet();
            onEvent(e, out);
        }
    }

    private void onEvent(CorednsEvent e, Output out) {
        switch (e.kind()) {
            case CLIENT_QUERY -> {
                if (state.openTransactions() >= maxState) {
                    overflow.increment();
                    // Room from the oldest unjoined pod query, forgotten: how it ended is unknown, so it is counted,
                    // not reported as unanswered. None: every slot holds a pod query joined with a held flow.
                    if (!state.evictOldestWaiting()) {
                        return;
                    }
                }
                state.open(new Transaction(e));
            }
            case FORWARDER_QUERY -> {
                Transaction t = state.forwarding(e);
                if (t != null) {
                    t.forwarded = true;
                }
            }
            case CLIENT_RESPONSE -> {
                Transaction t = state.transaction(e);
                if (t == null || t.responded > 0) {
                    return;
                }
                t.responded = e.timeEpochNanos();
                t.rcode = e.response() == null ? -1 : e.response().rcode();
                t.response = e.response();
                if (t.flow != null) {
                    if (!t.flow.released) {
                        release(t.flow, out);
                    }
                } else if (!t.forwarded) {
                    // Answered by CoreDNS itself, or its flow is still on the way: decide in tick.
                    t.decideAt = Math.max(lastNow, t.responded) + graceNanos;
                    state.decideLater(t);
                }
            }
            case FORWARDER_RESPONSE -> { }
        }
    }

    private void release(Held h, Output out) {
        Flow flow = h.flow;
        WireCapture wire = h.wire;
        h.flow = null; // a released entry may sit in the deque a while: keep nothing big alive
        h.wire = null;
        Transaction t = state.release(h);
        if (t == null) {
            out.deliver(flow, wire);
            return;
        }
        CorednsEvent q = t.query;
        Origin fromCoredns = new Origin(q.clientIp(), q.clientPort(), q.transport(), "dnstap", null, null, null, q.podId());
        out.deliver(flow.joined(fromCoredns, side(t, true)), wire);
        joinedCount.increment();
    }

    /** A waiting pod query whose time is up (or the join is shutting down): report how it ended at CoreDNS. */
    private void expire(Transaction t, Output out) {
        if (t.emitted || t.flow != null) {
            return; // joined; the flow's own deadline releases it
        }
        if (t.responded == 0) {
            emitCorednsOnly(t, Outcome.UNANSWERED_AT_COREDNS, out);
        } else {
            emitCorednsOnly(t, Outcome.ANSWERED_AT_COREDNS, out); // answered, and no flow of ours ever matched it
        }
        state.forget(t);
    }

    private void emitCorednsOnly(Transaction t, Outcome outcome, Output out) {
        t.emitted = true;
        state.forget(t);
        CorednsEvent q = t.query;
        Origin origin = new Origin(q.clientIp(), q.clientPort(), q.transport(), "dnstap", null, null, null, q.podId());
        long duration = t.responded > 0 ? (t.responded - t.received) / 1000 : 0;
        out.deliver(new Flow(ids.next(t.received / 1_000_000), t.received, new Endpoint(q.clientIp(), q.clientPort(), q.transport()),
                new QueryInfo(q.podId(), q.qname(), q.qtype(), q.qclass(), q.rd(), false, false, 0, q.querySize()), List.of(),
                t.response, duration, outcome, null, origin, Extensions.NONE.with(CorednsSide.KEY, side(t, t.forwarded))), null);
    }

    private CorednsSide side(Transaction t, boolean forwarded) {
        return new CorednsSide(t.received, t.responded, t.rcode, t.responded > 0 ? (t.responded - t.received) / 1000 : 0,
                forwarded || t.forwarded);
    }

    /** Flows held and not yet released, for tests and the state bound. */
    int heldFlows() {
        return state.heldFlows();
    }

    /** Pod queries held: waiting for a flow, or joined with a held one. */
    int openTransactions() {
        return state.openTransactions();
    }
}
