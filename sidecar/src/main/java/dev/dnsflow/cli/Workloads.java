package dev.dnsflow.cli;

import dev.dnsflow.cli.Diagnosis.Counts;
import dev.dnsflow.flow.Askers;
import dev.dnsflow.flow.Flow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code dnsflow diagnose --namespace}'s view per workload: the flows each workload's pods asked
 * ({@link Askers#workload}: {@code default/Deployment/web}, a pod no controller owns as {@code default/Pod/NAME}),
 * counted like a name's ({@link Evidence}), and the worst verdict among its names ({@link Diagnosis}). Pure: flows
 * in, {@link Result}s out, no I/O.
 *
 * <p>The worst verdict is the first in {@link Diagnosis.Verdict}'s priority order among the workload's names (on a
 * tie, the name {@link Diagnosis#WORST_FIRST} ranks first), so a workload reads as its most urgent problem. Workloads
 * rank like names: failed flows, then soft problems, then flows.
 */
final class Workloads {
    /**
     * One workload.
     *
     * @param worst the diagnosis of the workload's worst name, from its flows only
     * @param soft  flows with soft problems only, for ranking
     */
    record Result(String workload, Counts counts, int soft, Diagnosis.Result worst) {
        boolean hasProblems() {
            return counts.failed() > 0 || soft > 0;
        }

        /** {@code workload default/Deployment/web: 10 flows, 4 failed; worst: lossy.example.com. A: …}. */
        String line() {
            return "workload " + workload + ": " + counts.flows() + (counts.flows() == 1 ? " flow, " : " flows, ")
                    + counts.failed() + " failed; worst: "
                    + worst.line();
        }

        /** One JSON object: {@code workload}, {@code verdict} and {@code message} of the worst name, {@code name}/{@code type} of it, {@code counts}. */
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", workload);
            m.put("verdict", worst.verdict().verdict().code());
            m.put("message", worst.line());
            m.put("worst_name", worst.name());
            m.put("worst_type", worst.type());
            m.put("counts", counts.toMap());
            return m;
        }
    }

    private static final Comparator<Result> WORST_FIRST = Comparator.comparingInt((Result r) -> r.counts().failed()).reversed()
            .thenComparing(Comparator.comparingInt(Result::soft).reversed())
            .thenComparing(Comparator.comparingInt((Result r) -> r.counts().flows()).reversed())
            .thenComparing(Result::workload);

    private Workloads() {
    }

    /** Every workload among the flows (flows whose asker is not known as {@code (unknown)}), worst first. */
    static List<Result> of(List<Flow> flows) {
        Map<String, List<Flow>> groups = new LinkedHashMap<>();
        for (Flow f : Diagnosis.podQueries(flows)) { // a cache refresh is charged to no workload
            groups.computeIfAbsent(Askers.workload(f), k -> new ArrayList<>()).add(f);
        }
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, List<Flow>> e : groups.entrySet()) {
            List<Flow> group = e.getValue();
            Diagnosis.Result worst = Diagnosis.of(group).stream()
                    .min(Comparator.comparing((Diagnosis.Result r) -> r.verdict().verdict())).orElseThrow();
            results.add(new Result(e.getKey(), Evidence.count(group), Evidence.softOnly(group), worst));
        }
        results.sort(WORST_FIRST);
        return results;
    }
}
