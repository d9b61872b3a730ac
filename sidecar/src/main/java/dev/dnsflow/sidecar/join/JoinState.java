package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.Via;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@link Joiner}'s bookkeeping: the pod queries ({@link Transaction}) and held flows ({@link Held}), their
 * indexes by key and by question, pairing one with the other, and the counts the state bound checks. Decides
 * nothing about what to emit; the recorder thread is its only user.
 */
final class JoinState {
    /** How far CoreDNS's and dnsflow's clocks (and their dnstap timestamps) may disagree. */
    static final long SKEW_NANOS = 50_000_000L;

    private static final int NO = 0;
    private static final int LIKELY = 1;
    private static final int CERTAIN = 2;

    private final long windowNanos;
    private final int maxState;
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

    JoinState(long windowNanos, int maxState) {
        this.windowNanos = windowNanos;
        this.maxState = maxState;
    }

    /** Flows held and not yet released. */
    int heldFlows() {
        return live;
    }

    /** Pod queries held: waiting for a flow, or joined with a held one. */
    int openTransactions() {
        return waiting.size() + paired;
    }

    /**
     * Counts a new flow as held and joins it with the oldest waiting pod query it belongs to, or indexes it as
     * unjoined. Returns that pod query, or null. The caller then either releases the flow or {@link #hold}s it.
     */
    Transaction admit(Held h) {
        live++;
        Transaction t = match(h.flow);
        if (t != null) {
            leaveWaiting(t);
            pair(t, h);
        } else if (h.question != null) {
            unjoinedByQuestion.computeIfAbsent(h.question, q -> new LinkedHashSet<>()).add(h);
        }
        return t;
    }

    /** Queues an admitted flow until its deadline or its release. */
    void hold(Held h) {
        held.add(h);
        if (held.size() > 2 * maxState) {
            held.removeIf(x -> x.released); // at most maxState are live: this frees at least half
        }
    }

    /** Takes a held flow out of the state; returns the pod query it was joined with (now forgotten), or null. */
    Transaction release(Held h) {
        h.released = true;
        live--;
        Transaction t = h.transaction;
        if (t == null) {
            leaveUnjoined(h);
            return null;
        }
        paired--;
        t.emitted = true;
        forget(t);
        return t;
    }

    /** The next held flow whose deadline has passed and that is not released yet, off the queue; null when none. */
    Held nextDue(long now) {
        while (!held.isEmpty() && (held.peek().deadline <= now || held.peek().released)) {
            Held h = held.poll();
            if (!h.released) {
                return h;
            }
        }
        return null;
    }

    /** Every held flow not released yet, the queue emptied: for shutting down. */
    List<Held> takeHeld() {
        List<Held> unreleased = new ArrayList<>();
        for (Held h : held) {
            if (!h.released) {
                unreleased.add(h);
            }
        }
        held.clear();
        return unreleased;
    }

    /** Registers a new pod query and joins it with a held flow, or lets it wait for one. */
    void open(Transaction t) {
        byKey.put(t.query.transactionKey(), t);
        byForwardKey.put(t.query.questionKey(), t);
        Held flow = match(t);
        if (flow != null) {
            pair(t, flow);
        } else {
            waiting.add(t);
            waitingByQuestion.computeIfAbsent(t.question, q -> new LinkedHashSet<>()).add(t);
        }
    }

    /** The open pod query this event of CoreDNS's answers, or null. */
    Transaction transaction(CorednsEvent e) {
        return byKey.get(e.transactionKey());
    }

    /** The open pod query CoreDNS forwarded with this event: by its key, else by its question; or null. */
    Transaction forwarding(CorednsEvent e) {
        return byKey.getOrDefault(e.transactionKey(), byForwardKey.get(e.questionKey()));
    }

    /** Drops the oldest waiting pod query, unreported, to make room; false when none waits. */
    boolean evictOldestWaiting() {
        if (waiting.isEmpty()) {
            return false;
        }
        Transaction oldest = waiting.iterator().next();
        leaveWaiting(oldest);
        forget(oldest);
        return true;
    }

    /** Queues a pod query answered without a FORWARDER_QUERY until its {@code decideAt}. */
    void decideLater(Transaction t) {
        deciding.add(t);
        if (deciding.size() > 2 * maxState) {
            deciding.removeIf(x -> !waiting.contains(x)); // at most maxState wait: frees at least half
        }
    }

    /**
     * The next pod query whose decision is due (its time has come, or a flow that ended after its response was
     * seen) and that still waits, taken out of waiting; null when none.
     */
    Transaction nextDecided(long now, long latestFlowEnd) {
        while (!deciding.isEmpty() && (deciding.peek().decideAt <= now
                || latestFlowEnd >= deciding.peek().responded + SKEW_NANOS)) {
            Transaction t = deciding.poll();
            if (waiting.contains(t)) {
                leaveWaiting(t);
                return t;
            }
        }
        return null;
    }

    /** The oldest waiting pod query if its time is up, taken out of waiting; null when none. */
    Transaction nextExpired(long now) {
        if (waiting.isEmpty()) {
            return null;
        }
        Transaction t = waiting.iterator().next();
        if (t.received + 2 * windowNanos > now) {
            return null;
        }
        leaveWaiting(t);
        return t;
    }

    /** Every waiting pod query, taken out of waiting, nothing left to decide: for shutting down. */
    List<Transaction> takeWaiting() {
        List<Transaction> all = new ArrayList<>(waiting);
        for (Transaction t : all) {
            leaveWaiting(t);
        }
        deciding.clear();
        return all;
    }

    /** Drops a pod query from the indexes by key: later events of CoreDNS's about it are ignored. */
    void forget(Transaction t) {
        byKey.remove(t.query.transactionKey(), t);
        byForwardKey.remove(t.query.questionKey(), t);
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
        Via via = flow.get(Via.KEY);
        // Behind a node's dnsflow CoreDNS's client was that dnsflow: certain when the hand-off kept its address and port.
        if (via != null && via.addr() != null && via.port() > 0) {
            return via.addr().equals(t.query.clientIp()) && via.port() == t.query.clientPort() ? CERTAIN : NO;
        }
        // A hand-off's origin is the pod behind the node's dnsflow; without the node's address and port: no certainty.
        if (o != null && o.port() > 0 && !"nodelocal".equals(o.source())) {
            return o.ip().equals(t.query.clientIp()) && o.port() == t.query.clientPort() ? CERTAIN : NO;
        }
        return LIKELY;
    }

    private void pair(Transaction t, Held h) {
        t.flow = h;
        h.transaction = t;
        paired++;
        leaveUnjoined(h);
    }

    private void leaveUnjoined(Held h) {
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

    /** The index key of a question: the name in lower case and the type. */
    static String question(String name, int type) {
        return name.toLowerCase(Locale.ROOT) + '|' + type;
    }
}
