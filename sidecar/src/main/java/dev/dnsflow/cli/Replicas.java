package dev.dnsflow.cli;

import dev.dnsflow.flow.Flow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * How the flows of one name and type spread over the dnsflow instances they came from ({@code diagnose
 * --kubernetes}): per instance, flows and failed flows ({@link Evidence#failed}). A name that fails on some
 * replicas and not on others points at those replicas (their node, their upstream path), not at the name, so
 * the verdict says where. Pure: flows in, words out.
 */
record Replicas(Map<String, int[]> byInstance) {
    /** The spread of {@code flows}; {@code instance} names each flow's instance (null: unknown). */
    static Replicas of(List<Flow> flows, Function<Flow, String> instance) {
        Map<String, int[]> by = new TreeMap<>();
        for (Flow f : flows) {
            String id = instance.apply(f);
            if (id != null) {
                int[] n = by.computeIfAbsent(id, k -> new int[2]);
                n[0]++;
                if (Evidence.failed(f)) {
                    n[1]++;
                }
            }
        }
        return new Replicas(by);
    }

    /**
     * What to add to the verdict when the flows came from several instances ({@code instances} in all, across
     * every name): where it failed if not everywhere it was asked, or that it failed on all of them; else nothing.
     */
    String note(int instances) {
        if (instances < 2) {
            return "";
        }
        List<String> failing = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        byInstance.forEach((id, n) -> (n[1] > 0 ? failing : fine).add(id));
        if (failing.isEmpty()) {
            return "";
        }
        if (!fine.isEmpty()) {
            return " — fails only on " + String.join(", ", failing) + " (" + String.join(", ", fine) + " answered it)";
        }
        return failing.size() == 1 ? " — seen only on " + failing.get(0)
                : " — fails on all " + failing.size() + " instances that saw it";
    }

    /** The JSON form: {@code {"kube-system/coredns-a": {"flows": 3, "failed": 0}, ...}}. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        byInstance.forEach((id, n) -> m.put(id, Map.of("flows", n[0], "failed", n[1])));
        return m;
    }
}
