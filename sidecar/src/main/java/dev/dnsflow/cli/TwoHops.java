package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.cli.Diagnosis.Finding;
import dev.dnsflow.cli.Diagnosis.Verdict;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowExtension;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The verdicts about the node's hop, when {@code diagnose} reads the node's dnsflow (nodelocal, its flows marked
 * {@code hand_off}) and the one behind CoreDNS (its flows carry {@code via.nodelocal.flow}, the node flow's ID):
 * the two are linked by that ID, so a node flow no CoreDNS-side flow names never got there. Pure, like {@link Verdicts}.
 * <ul>
 * <li>{@code dropped_at_nodelocal}: the node's flow has no answer and never went on (no attempt, or a chaos drop).</li>
 * <li>{@code lost_between_nodelocal_and_coredns}: the node's attempts timed out or failed (a connection closed or
 *     refused: how a drop shows over TCP, NodeLocal's {@code force_tcp}) and no CoreDNS-side flow carries its ID (only
 *     said when the CoreDNS side is being read at all). An attempt that never went out (ID {@code -1}: no free ID, no
 *     socket) is not one sent; a failed one counts only if no attempt of the flow was answered. A refused connection
 *     (CoreDNS down) and one closed after the query was written (a drop) are both {@code error} in the flow, so the
 *     message cannot tell them apart.</li>
 * <li>{@code answered_from_node_cache}: the node answered from its cache ({@code "cache":{"result":"hit"}}).</li>
 * </ul>
 */
final class TwoHops {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TwoHops() {
    }

    /**
     * Whether flows from behind CoreDNS are among those read, so a node flow that none names was really not seen
     * there: some flow read is not the node hop's (no {@code hand_off} mark). How many dnsflows were asked says
     * nothing: with {@code --kubernetes} or several {@code --server}s they may all be nodelocal.
     */
    static boolean seesCorednsSide(List<Flow> all) {
        for (Flow f : all) {
            if (f.get(HandOffMark.KEY) == null) {
                return true;
            }
        }
        return false;
    }

    /** Whether the flow is the node hop's (its dnsflow hands off). */
    static boolean atNode(Flow f) {
        return f.get(HandOffMark.KEY) != null;
    }

    /** Whether a verdict is about the node's hop, so the node dnsflows are the replicas to compare. */
    static boolean isNodeVerdict(Verdict v) {
        return v == Verdict.DROPPED_AT_NODELOCAL || v == Verdict.LOST_BETWEEN_NODELOCAL_AND_COREDNS
                || v == Verdict.ANSWERED_FROM_NODE_CACHE;
    }

    /**
     * The flows that stand for one pod query each: behind CoreDNS, the newest flow of each node flow (the node's
     * attempts all carry its flow ID) and every flow without a hand-off; at the node, the flows no CoreDNS-side flow
     * names (dropped, answered from cache, lost). Single-hop flows come back as they are.
     */
    static List<Flow> onePerPodQuery(List<Flow> flows) {
        java.util.Map<String, Flow> newestBehind = new java.util.LinkedHashMap<>();
        boolean anyNode = false;
        for (Flow f : flows) {
            Via via = f.get(Via.KEY);
            if (via != null) {
                newestBehind.merge(via.flow(), f, (a, b) -> b.timeEpochNanos() >= a.timeEpochNanos() ? b : a);
            }
            anyNode |= atNode(f);
        }
        if (newestBehind.isEmpty() && !anyNode) {
            return flows;
        }
        java.util.List<Flow> out = new java.util.ArrayList<>();
        for (Flow f : flows) {
            Via via = f.get(Via.KEY);
            if (via != null ? newestBehind.get(via.flow()) == f : !atNode(f) || !newestBehind.containsKey(f.id())) {
                out.add(f);
            }
        }
        return out;
    }

    static void findings(List<Flow> flows, boolean corednsSide, List<Finding> out) {
        Set<String> reached = new HashSet<>();
        for (Flow f : flows) {
            Via via = f.get(Via.KEY);
            if (via != null) {
                reached.add(via.flow());
            }
        }
        int nodeFlows = 0;
        int dropped = 0;
        int lost = 0;
        int timeouts = 0;
        int failures = 0;
        int hits = 0;
        Set<String> droppedNodes = new TreeSet<>();
        Set<String> lostNodes = new TreeSet<>();
        Set<String> hitNodes = new TreeSet<>();
        Set<String> rules = new TreeSet<>();
        for (Flow f : flows) {
            HandOffMark mark = f.get(HandOffMark.KEY);
            if (mark == null) {
                continue;
            }
            nodeFlows++;
            String node = mark.node() == null ? "?" : mark.node();
            if ("hit".equals(cacheResult(f))) {
                hits++;
                hitNodes.add(node);
                continue;
            }
            if (reached.contains(f.id())) {
                continue; // it got to CoreDNS's side: what happened next is for the other verdicts
            }
            if (f.response() == null && (f.attempts().isEmpty() || f.chaos() != null && !chaosAfterForwarding(f))) {
                dropped++;
                droppedNodes.add(node);
                if (f.chaos() != null) {
                    rules.add(f.chaos().rule());
                }
                continue;
            }
            int timedOut = 0;
            int failed = 0;
            boolean answered = false;
            for (Attempt a : f.attempts()) {
                if (a.outcome() == AttemptOutcome.TIMEOUT) {
                    timedOut++;
                } else if (a.outcome() == AttemptOutcome.ERROR && a.id() >= 0) {
                    failed++; // over TCP (NodeLocal's force_tcp) a drop shows as a closed connection, not a timeout
                }
                answered |= a.outcome() == AttemptOutcome.ANSWERED || a.outcome() == AttemptOutcome.TRUNCATED;
            }
            if (answered) {
                // Another attempt was answered (from CoreDNS's cache, say, so no flow behind it names the node's
                // flow): a failed connection is then no sign of a loss. A timed-out attempt still is.
                failed = 0;
            }
            if (corednsSide && timedOut + failed > 0) {
                lost++;
                timeouts += timedOut;
                failures += failed;
                lostNodes.add(node);
            }
        }
        if (dropped > 0) {
            out.add(new Finding(Verdict.DROPPED_AT_NODELOCAL, dropped + " of " + nodeFlows + " queries dropped at nodelocal on "
                    + nodes(droppedNodes) + ", never sent on to CoreDNS"
                    + (rules.isEmpty() ? "" : " (chaos rule " + String.join(", ", rules) + ": injected on purpose, not a real fault)")));
        }
        if (lost > 0) {
            out.add(new Finding(Verdict.LOST_BETWEEN_NODELOCAL_AND_COREDNS, "nodelocal on " + nodes(lostNodes) + " sent " + lost
                    + " queries to CoreDNS (" + attempts(timeouts, failures) + ") that no dnsflow behind CoreDNS received — lost"
                    + " between nodelocal and CoreDNS, or dropped by CoreDNS itself"));
        }
        if (hits > 0) {
            out.add(new Finding(Verdict.ANSWERED_FROM_NODE_CACHE, hits + " of " + nodeFlows + " queries answered from the node's"
                    + " cache on " + nodes(hitNodes)));
        }
    }

    /**
     * Whether the flow's chaos rule acted after the query went upstream ({@code upstream-drop}, {@code delay-response}):
     * then the query did leave the node, and a missing answer is not a drop at nodelocal.
     */
    private static boolean chaosAfterForwarding(Flow f) {
        String action = f.chaos().action();
        return "upstream-drop".equals(action) || "delay-response".equals(action);
    }

    /** {@code 2 attempts timed out}, {@code 1 attempts failed (connection closed or refused)}, or both. */
    private static String attempts(int timeouts, int failures) {
        String failed = failures + " attempts failed (connection closed or refused)";
        return failures == 0 ? timeouts + " attempts timed out" : timeouts == 0 ? failed : timeouts + " attempts timed out, " + failed;
    }

    private static String nodes(Set<String> nodes) {
        return (nodes.size() == 1 ? "node " : "nodes ") + String.join(", ", nodes);
    }

    /**
     * {@code cache.result} of a flow ({@code hit}, {@code miss}, …), or null: read through whatever {@code cache}
     * extension is registered (the cache stage's), from its JSON form, so this module needs none of its classes.
     */
    static String cacheResult(Flow f) {
        if (f.extensions().isEmpty()) {
            return null;
        }
        for (FlowExtension<?> key : FlowExtension.registered()) {
            if (key.name().equals("cache") && f.get(key) != null) {
                try {
                    JsonNode cache = JSON.readTree(FlowJson.toJson(f)).path("cache");
                    return cache.path("result").isTextual() ? cache.path("result").asText() : null;
                } catch (java.io.IOException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
