package dev.dnsflow.cli;

import dev.dnsflow.cli.Diagnosis.Counts;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.xbill.DNS.Rcode;

/**
 * The evidence {@link Diagnosis} weighs: what each flow says on its own (failed, soft problem, reached dnsflow)
 * and the {@link Counts} of one name and type. Pure: flows in, facts out.
 */
final class Evidence {
    /** The rcodes that mean "no usable answer", from dnsflow or from an upstream. */
    static final Set<Integer> ERROR_RCODES = Set.of(Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP);

    private Evidence() {
    }

    /** A flow the client suffered from: no answer, an error rcode from anyone, or an attempt that failed. */
    static boolean failed(Flow f) {
        if (f.response() == null || ERROR_RCODES.contains(f.response().rcode())) {
            return true;
        }
        for (Attempt a : f.attempts()) {
            if (a.outcome() == AttemptOutcome.TIMEOUT || a.outcome() == AttemptOutcome.ERROR) {
                return true;
            }
        }
        return false;
    }

    /** A flow with a soft problem: chaos-touched, NXDOMAIN or truncated. */
    static boolean soft(Flow f) {
        return f.chaos() != null || f.response() != null && (f.response().rcode() == Rcode.NXDOMAIN || f.response().truncated());
    }

    /** How many flows have soft problems only (not failed), for ranking. */
    static int softOnly(List<Flow> flows) {
        return (int) flows.stream().filter(f -> !failed(f) && soft(f)).count();
    }

    private static boolean reachedDnsflow(Flow f) {
        return f.outcome() != Outcome.ANSWERED_AT_COREDNS && f.outcome() != Outcome.UNANSWERED_AT_COREDNS;
    }

    /** What the flows of one name and type add up to. */
    static Counts count(List<Flow> flows) {
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> rcodes = new TreeMap<>();
        Map<String, Map<String, Integer>> upstreams = new TreeMap<>();
        Map<String, Integer> chaos = new TreeMap<>();
        List<Long> durations = new ArrayList<>();
        int forwarded = 0;
        int failed = 0;
        for (Flow f : flows) {
            outcomes.merge(f.outcome().json(), 1, Integer::sum);
            if (reachedDnsflow(f)) {
                forwarded++;
            }
            if (failed(f)) {
                failed++;
            }
            if (f.response() != null) {
                rcodes.merge(Rcode.string(f.response().rcode()), 1, Integer::sum);
                durations.add(f.durationMicros());
            }
            for (Attempt a : f.attempts()) {
                upstreams.computeIfAbsent(a.upstream(), u -> new TreeMap<>()).merge(a.outcome().json(), 1, Integer::sum);
            }
            if (f.chaos() != null) {
                chaos.merge(f.chaos().rule(), 1, Integer::sum);
            }
        }
        durations.sort(null);
        long p50 = durations.isEmpty() ? 0 : durations.get((durations.size() + 1) / 2 - 1);
        long max = durations.isEmpty() ? 0 : durations.get(durations.size() - 1);
        return new Counts(flows.size(), forwarded, durations.size(), failed, outcomes, rcodes, upstreams, chaos, p50, max);
    }
}
