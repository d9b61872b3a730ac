package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowIds;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.record.FlowStage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 */
public final class Joiner implements FlowStage {
    private static final long SKEW_NANOS = 50_000_000L;
    private static final long MAX_GRACE_NANOS = 500_000_000L;

    private final long windowNanos;
    private final long graceNanos;
    private final int maxState;
    private final Queue<CorednsEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final Map<String, Transaction> byKey = new HashMap<>();
    private final Map<String, Transaction> byForwardKey = new HashMap<>();
    /** Pod queries neither joined nor reported yet, oldest first. */
    private final LinkedHashSet<Transaction> waiting = new LinkedHashSet<>();
    /** The same, by question (name and type), for matching without scanning all of them. */
    private final Map<String, LinkedHashSet<Transaction>> waitingByQuestion = new HashMap<>();
    /** Pod queries CoreDNS answered without a FORWARDER_QUERY, by when to decide they never reached dnsflow. */
    private final ArrayDeque<Transaction> deciding = new ArrayDeque<>();
    /** Pod queries joined with a flow that is still held. */
    private int paired;
    /** Flows in arrival order (their deadlines); released ones leave from the head, or when the deque is compacted. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Held flows not released yet: what the bound counts. */
    private int live;
    /** Held flows not joined yet, by question. */
    private final Map<String, LinkedHashSet<Held>> unjoinedByQuestion = new HashMap<>();
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
        if (live >= maxState) {
            overflow.increment();
            out.deliver(flow, wire);
            return;
        }
        Held h = new Held(flow, wire, flow.timeEpochNanos() + flow.durationMicros() * 1000 + windowNanos);
        live++;
        Transaction t = match(flow);
        if (t != null) {
            leaveWaiting(t);
            pair(t, h);
            if (t.responded > 0) {
                release(h, out);
                return;
            }
        } else if (h.question != null) {
            unjoinedByQuestion.computeIfAbsent(h.question, q -> new LinkedHashSet<>()).add(h);
        }
        held.add(h);
        if (held.size() > 2 * maxState) {
            held.removeIf(x -> x.released); // at most maxState are live: this frees at least half
        }
    }

    @Override
    public void tick(long now, Output out) {
        lastNow = Math.max(lastNow, now);
        drainInbox(out);
        while (!held.isEmpty() && (held.peek().deadline <= now || held.peek().released)) {
            Held h = held.poll();
            if (!h.released) {
                release(h, out);
            }
        }
        while (!deciding.isEmpty() && (deciding.peek().decideAt <= now
                || latestFlowEnd >= deciding.peek().responded + SKEW_NANOS)) {
            Transaction t = deciding.poll();
            if (waiting.contains(t)) {
                leaveWaiting(t);
                emitCorednsOnly(t, Outcome.ANSWERED_AT_COREDNS, out);
            }
        }
        while (!waiting.isEmpty()) {
            Transaction t = waiting.iterator().next();
            if (t.received + 2 * windowNanos > now) {
                break;
            }
            leaveWaiting(t);
            expire(t, out);
        }
    }

    @Override
    public void flush(Output out) {
        drainInbox(out);
        for (Held h : held) {
            if (!h.released) {
                release(h, out);
            }
        }
        held.clear();
        for (Transaction t : new ArrayList<>(waiting)) {
            leaveWaiting(t);
            expire(t, out);
        }
        deciding.clear();
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
                if (waiting.size() + paired >= maxState) {
                    overflow.increment();
                    if (waiting.isEmpty()) {
                        return; // every slot holds a pod query joined with a held flow: no room for this one
                    }
                    Transaction oldest = waiting.iterator().next();
                    leaveWaiting(oldest);
                    forget(oldest); // how it ended is unknown: counted, not reported as unanswered
                }
                Transaction t = new Transaction(e);
                byKey.put(e.transactionKey(), t);
                byForwardKey.put(e.questionKey(), t);
                Held flow = match(t);
                if (flow != null) {
                    pair(t, flow);
                } else {
                    waiting.add(t);
                    waitingByQuestion.computeIfAbsent(t.question, q -> new LinkedHashSet<>()).add(t);
                }
            }
            case FORWARDER_QUERY -> {
                Transaction t = byKey.getOrDefault(e.transactionKey(), byForwardKey.get(e.questionKey()));
                if (t != null) {
                    t.forwarded = true;
                }
            }
            case CLIENT_RESPONSE -> {
                Transaction t = byKey.get(e.transactionKey());
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
                    deciding.add(t);
                    if (deciding.size() > 2 * maxState) {
                        deciding.removeIf(x -> !waiting.contains(x)); // at most maxState wait: frees at least half
                    }
                }
            }
            case FORWARDER_RESPONSE -> { }
        }
    }

    /** The oldest waiting pod query this flow belongs to, or null. */
    private Transaction match(Flow flow) {
        if (flow.query().name() == null) {
            return null;
        }
        LinkedHashSet<Transaction> candidates = waitingByQuestion.get(question(flow.query().name(), flow.query().type()));
        if (candidates == null) {
            return null;
        }
        for (Transaction t : candidates) {
            if (fit(t, flow) != NO) {
                return t;
            }
        }
        return null;
    }

    /** The oldest held flow (not yet joined) that belongs to this new pod query, or null; dnstap often arrives late. */
    private Held match(Transaction t) {
        LinkedHashSet<Held> candidates = unjoinedByQuestion.get(t.question);
        if (candidates == null) {
            return null;
        }
        Held best = null;
        for (Held h : candidates) {
            int fit = fit(t, h.flow);
            if (fit == CERTAIN) {
                return h;
            }
            if (fit == LIKELY && best == null) {
                best = h;
            }
        }
        return best;
    }

    private static final int NO = 0;
    private static final int LIKELY = 1;
    private static final int CERTAIN = 2;

    /** Whether a flow and a pod transaction are the same query: certain by the pod's address, likely by question and time. */
    private int fit(Transaction t, Flow flow) {
        if (t.flow != null || t.emitted || flow.query().name() == null || !t.qname.equalsIgnoreCase(flow.query().name())
                || t.query.qtype() != flow.query().type()) {
            return NO;
        }
        long lag = flow.timeEpochNanos() - t.received;
        if (lag < -SKEW_NANOS || lag > windowNanos) {
            return NO;
        }
        Origin o = flow.origin();
        if (o != null && o.port() > 0) {
            return o.ip().equals(t.query.clientIp()) && o.port() == t.query.clientPort() ? CERTAIN : NO;
        }
        return LIKELY;
    }

    private void pair(Transaction t, Held h) {
        t.flow = h;
        h.transaction = t;
        paired++;
        if (h.question != null) {
            LinkedHashSet<Held> unjoined = unjoinedByQuestion.get(h.question);
            if (unjoined != null && unjoined.remove(h) && unjoined.isEmpty()) {
                unjoinedByQuestion.remove(h.question);
            }
        }
    }

    private void leaveWaiting(Transaction t) {
        waiting.remove(t);
        LinkedHashSet<Transaction> same = waitingByQuestion.get(t.question);
        if (same != null && same.remove(t) && same.isEmpty()) {
            waitingByQuestion.remove(t.question);
        }
    }

    private void release(Held h, Output out) {
        h.released = true;
        live--;
        Flow flow = h.flow;
        WireCapture wire = h.wire;
        h.flow = null; // a released entry may sit in the deque a while: keep nothing big alive
        h.wire = null;
        Transaction t = h.transaction;
        if (t == null) {
            if (h.question != null) {
                LinkedHashSet<Held> unjoined = unjoinedByQuestion.get(h.question);
                if (unjoined != null && unjoined.remove(h) && unjoined.isEmpty()) {
                    unjoinedByQuestion.remove(h.question);
                }
            }
            out.deliver(flow, wire);
            return;
        }
        paired--;
        t.emitted = true;
        forget(t);
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
        forget(t);
    }

    private void emitCorednsOnly(Transaction t, Outcome outcome, Output out) {
        t.emitted = true;
        forget(t);
        CorednsEvent q = t.query;
        Origin origin = new Origin(q.clientIp(), q.clientPort(), q.transport(), "dnstap", null, null, null, q.podId());
        long duration = t.responded > 0 ? (t.responded - t.received) / 1000 : 0;
        out.deliver(new Flow(ids.next(t.received / 1_000_000), t.received, new Endpoint(q.clientIp(), q.clientPort(), q.transport()),
                new QueryInfo(q.podId(), q.qname(), q.qtype(), q.qclass(), q.rd(), false, false, 0, q.querySize()), List.of(),
                t.response, duration, outcome, null, origin, side(t, t.forwarded)), null);
    }

    private CorednsSide side(Transaction t, boolean forwarded) {
        return new CorednsSide(t.received, t.responded, t.rcode, t.responded > 0 ? (t.responded - t.received) / 1000 : 0,
                forwarded || t.forwarded);
    }

    private void forget(Transaction t) {
        byKey.remove(t.query.transactionKey(), t);
        byForwardKey.remove(t.query.questionKey(), t);
    }

    private static String question(String name, int type) {
        return name.toLowerCase(Locale.ROOT) + '|' + type;
    }

    /** Flows held and not yet released, for tests and the state bound. */
    int heldFlows() {
        return live;
    }

    /** Pod queries held: waiting for a flow, or joined with a held one. */
    int openTransactions() {
        return waiting.size() + paired;
    }

    /** One pod query as CoreDNS saw it. */
    private static final class Transaction {
        final CorednsEvent query;
        final String qname;
        final String question;
        final long received;
        long responded;
        long decideAt;
        int rcode = -1;
        dev.dnsflow.flow.FlowResponse response;
        boolean forwarded;
        boolean emitted;
        Held flow;

        Transaction(CorednsEvent query) {
            this.query = query;
            this.qname = query.qname().toLowerCase(Locale.ROOT);
            this.question = qname + '|' + query.qtype();
            this.received = query.timeEpochNanos();
        }
    }

    /** One of our flows waiting for CoreDNS's side. */
    private static final class Held {
        Flow flow;
        WireCapture wire;
        final String question;
        final long deadline;
        Transaction transaction;
        boolean released;

        Held(Flow flow, WireCapture wire, long deadline) {
            this.flow = flow;
            this.wire = wire;
            this.question = flow.query().name() == null ? null : question(flow.query().name(), flow.query().type());
            this.deadline = deadline;
        }
    }
}
