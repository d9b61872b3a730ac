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
import java.util.Iterator;
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
 * has them, else the question and the time window. State is bounded by count and time; overflow is
 * counted ({@code dnsflow_join_overflow_total}).
 */
public final class Joiner implements FlowStage {
    private static final long SKEW_NANOS = 50_000_000L;

    private final long windowNanos;
    private final int maxState;
    private final Queue<CorednsEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final Map<String, Transaction> byKey = new HashMap<>();
    private final Map<String, Transaction> byForwardKey = new HashMap<>();
    private final ArrayDeque<Transaction> transactions = new ArrayDeque<>();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final FlowIds ids = new FlowIds(255);
    private final Counter overflow;
    private final Counter joinedCount;

    public Joiner(Duration window, int maxState, MeterRegistry registry) {
        this.windowNanos = window.toNanos();
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
        if (held.size() >= maxState) {
            overflow.increment();
            out.deliver(flow, wire);
            return;
        }
        Held h = new Held(flow, wire, flow.timeEpochNanos() + flow.durationMicros() * 1000 + windowNanos);
        Transaction t = match(flow);
        if (t != null) {
            pair(t, h);
            if (t.responded > 0) {
                release(h, out);
                return;
            }
        }
        held.add(h);
    }

    @Override
    public void tick(long now, Output out) {
        drainInbox(out);
        while (!held.isEmpty() && (held.peek().deadline <= now || held.peek().released)) {
            Held h = held.poll();
            if (!h.released) {
                release(h, out);
            }
        }
        while (!transactions.isEmpty() && transactions.peek().received + 2 * windowNanos <= now) {
            expire(transactions.poll(), out);
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
        for (Transaction t : transactions) {
            expire(t, out);
        }
        transactions.clear();
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
                if (transactions.size() >= maxState) {
                    overflow.increment();
                    expire(transactions.poll(), out);
                }
                Transaction t = new Transaction(e);
                byKey.put(e.transactionKey(), t);
                byForwardKey.put(e.questionKey(), t);
                transactions.add(t);
                Held waiting = match(t);
                if (waiting != null) {
                    pair(t, waiting);
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
                if (t == null) {
                    return;
                }
                t.responded = e.timeEpochNanos();
                t.rcode = e.response() == null ? -1 : e.response().rcode();
                t.response = e.response();
                if (t.flow != null && !t.flow.released) {
                    release(t.flow, out);
                } else if (!t.forwarded) {
                    emitCorednsOnly(t, Outcome.ANSWERED_AT_COREDNS, out);
                }
            }
            case FORWARDER_RESPONSE -> { }
        }
    }

    /** The pod transaction this flow belongs to, or null. */
    private Transaction match(Flow flow) {
        Transaction best = null;
        for (Iterator<Transaction> it = transactions.descendingIterator(); it.hasNext();) {
            Transaction t = it.next();
            int fit = fit(t, flow);
            if (fit == CERTAIN) {
                return t;
            }
            if (fit == LIKELY) {
                best = t; // keep going back: the oldest unjoined one in the window was asked first
            }
        }
        return best;
    }

    /** A held flow (not yet joined) that belongs to this new pod transaction, or null; dnstap often arrives late. */
    private Held match(Transaction t) {
        Held best = null;
        for (Held h : held) {
            if (h.released || h.transaction != null) {
                continue;
            }
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

    private static void pair(Transaction t, Held h) {
        t.flow = h;
        h.transaction = t;
    }

    private void release(Held h, Output out) {
        h.released = true;
        Transaction t = h.transaction;
        if (t == null) {
            out.deliver(h.flow, h.wire);
            return;
        }
        t.emitted = true;
        forget(t);
        CorednsEvent q = t.query;
        Origin fromCoredns = new Origin(q.clientIp(), q.clientPort(), q.transport(), "dnstap", null, null, null, q.podId());
        out.deliver(h.flow.joined(fromCoredns, side(t, true)), h.wire);
        joinedCount.increment();
    }

    private void expire(Transaction t, Output out) {
        if (t.emitted || t.flow != null) {
            return; // joined; the flow's own deadline releases it
        }
        if (t.responded == 0) {
            emitCorednsOnly(t, Outcome.UNANSWERED_AT_COREDNS, out);
        } else if (t.forwarded) {
            emitCorednsOnly(t, Outcome.ANSWERED_AT_COREDNS, out); // forwarded, yet never reached dnsflow
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

    /** Flows and pod transactions still held, for tests and the state bound. */
    int heldFlows() {
        return (int) held.stream().filter(h -> !h.released).count();
    }

    int openTransactions() {
        return (int) new ArrayList<>(transactions).stream().filter(t -> !t.emitted).count();
    }

    /** One pod query as CoreDNS saw it. */
    private static final class Transaction {
        final CorednsEvent query;
        final String qname;
        final long received;
        long responded;
        int rcode = -1;
        dev.dnsflow.flow.FlowResponse response;
        boolean forwarded;
        boolean emitted;
        Held flow;

        Transaction(CorednsEvent query) {
            this.query = query;
            this.qname = query.qname().toLowerCase(Locale.ROOT);
            this.received = query.timeEpochNanos();
        }
    }

    /** One of our flows waiting for CoreDNS's side. */
    private static final class Held {
        final Flow flow;
        final WireCapture wire;
        final long deadline;
        Transaction transaction;
        boolean released;

        Held(Flow flow, WireCapture wire, long deadline) {
            this.flow = flow;
            this.wire = wire;
            this.deadline = deadline;
        }
    }
}
