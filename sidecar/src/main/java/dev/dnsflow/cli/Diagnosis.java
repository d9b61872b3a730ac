package dev.dnsflow.cli;

import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.handoff.Via;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.xbill.DNS.Type;

/**
 * The verdicts of {@code dnsflow diagnose}: the flows of one query name and type, read as a whole, turned into
 * what went wrong in plain words with the evidence. Pure: flows in, {@link Result}s out, no I/O.
 *
 * <p>Every {@link Verdict} whose evidence is present is a finding; the first one in this order is the verdict,
 * the others are printed as "also". The order puts first what explains the most and what an operator must
 * act on first:
 * <ol>
 * <li>{@code dropped_at_nodelocal}: the node's dnsflow (nodelocal, {@code --hand-off}) never sent the queries on
 *     (a chaos rule there, or no attempt at all). First, before chaos: the message names the rule, and where the
 *     query died is what two hops make hard to see ({@link TwoHops}).</li>
 * <li>{@code lost_between_nodelocal_and_coredns}: nodelocal's attempts timed out or failed (a closed connection)
 *     and no dnsflow behind CoreDNS got them (linked by the hand-off's flow ID).</li>
 * <li>{@code chaos}: a chaos rule touched the queries. The fault is injected on purpose and explains the
 *     symptoms it causes (a drop looks like a lost query, upstream-drop like a lossy upstream), so nobody
 *     should chase it as a real outage.</li>
 * <li>{@code dropped_at_coredns}: CoreDNS received the pods' queries, never answered and never asked dnsflow.
 *     Nothing behind CoreDNS can be the cause.</li>
 * <li>{@code lost_before_dnsflow}: CoreDNS forwarded, dnsflow never received: the hop between them.</li>
 * <li>{@code servfail_by_dnsflow}: every attempt failed and dnsflow answered SERVFAIL: an outage pods see.</li>
 * <li>{@code rejected_by_dnsflow}: dnsflow answered REFUSED (client not in --allow), FORMERR or NOTIMP.</li>
 * <li>{@code upstream_losing}: answered in the end, but attempts to an upstream timed out or failed: slow
 *     answers now, SERVFAIL when the retries run out. When it shows next to SERVFAIL it is the cause.</li>
 * <li>{@code upstream_error}: the upstream itself answered SERVFAIL, REFUSED, FORMERR or NOTIMP.</li>
 * <li>{@code truncated_no_tcp}: answers truncated over UDP and no retry over TCP seen.</li>
 * <li>{@code nxdomain}, then {@code nodata}: correct DNS about a name that does not exist or has no records
 *     of the type (a typo, a search-path expansion, AAAA on an IPv4-only name).</li>
 * <li>{@code truncated_tcp}: truncated, retried over TCP, answered: works, costs a round trip.</li>
 * <li>{@code answered_at_coredns}: every query was answered by CoreDNS itself (cache, kubernetes plugin).</li>
 * <li>{@code answered_from_node_cache}: nodelocal answered from its cache.</li>
 * <li>{@code healthy}: nothing of the above.</li>
 * </ol>
 *
 * <p>Ranking names without {@code --name}: by failed flows (no answer, SERVFAIL/REFUSED/FORMERR/NOTIMP from
 * anyone, or a timed-out or failed attempt), then by soft problems (NXDOMAIN, truncation, chaos-touched), then
 * by the number of flows. NXDOMAIN ranks behind real failures on purpose: Kubernetes search paths produce
 * NXDOMAIN by the thousand and would otherwise bury an outage.
 *
 * <p>This class groups the flows, picks the verdict among the findings and ranks the names; {@link Evidence}
 * tallies what the flows say, {@link Verdicts} holds the rules that word each finding, {@link Workloads} sums the
 * verdicts up per workload.
 */
final class Diagnosis {
    /** The verdicts, in priority order (see the class comment). */
    enum Verdict {
        DROPPED_AT_NODELOCAL, LOST_BETWEEN_NODELOCAL_AND_COREDNS, CHAOS, DROPPED_AT_COREDNS, LOST_BEFORE_DNSFLOW,
        SERVFAIL_BY_DNSFLOW, REJECTED_BY_DNSFLOW, UPSTREAM_LOSING, UPSTREAM_ERROR, TRUNCATED_NO_TCP, NXDOMAIN, NODATA,
        TRUNCATED_TCP, ANSWERED_AT_COREDNS, ANSWERED_FROM_NODE_CACHE, HEALTHY;

        /** The short code machines read: {@code dropped_at_coredns}. */
        String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One verdict with its evidence in words. */
    record Finding(Verdict verdict, String message) {
    }

    /** What the flows of one name and type add up to. */
    record Counts(int flows, int forwarded, int answered, int failed, Map<String, Integer> outcomes,
                  Map<String, Integer> rcodes, Map<String, Map<String, Integer>> upstreams, Map<String, Integer> chaos,
                  long p50Micros, long maxMicros) {

        /** The JSON form: stable field names, maps in a stable order. */
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("flows", flows);
            m.put("forwarded", forwarded);
            m.put("answered", answered);
            m.put("failed", failed);
            m.put("outcomes", outcomes);
            m.put("rcodes", rcodes);
            m.put("upstreams", upstreams);
            m.put("chaos", chaos);
            if (answered > 0) {
                m.put("p50_us", p50Micros);
                m.put("max_us", maxMicros);
            }
            return m;
        }
    }

    /**
     * The diagnosis of one name and type.
     *
     * @param soft flows with soft problems only (NXDOMAIN, truncation, chaos-touched), for ranking
     */
    record Result(String name, String type, Finding verdict, List<Finding> also, Counts counts, int soft, Replicas replicas) {
        /** {@code example.com. A: message}. */
        String line() {
            return name + " " + type + ": " + verdict.message();
        }

        boolean hasProblems() {
            return counts.failed() > 0 || soft > 0;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("type", type);
            m.put("verdict", verdict.verdict().code());
            m.put("message", verdict.message());
            List<Map<String, String>> more = new ArrayList<>();
            for (Finding f : also) {
                more.add(Map.of("verdict", f.verdict().code(), "message", f.message()));
            }
            m.put("also", more);
            m.put("counts", counts.toMap());
            if (!replicas.byInstance().isEmpty()) {
                m.put("instances", replicas.toMap());
            }
            return m;
        }
    }

    /** Worst first: failed flows, then soft problems, then busiest, then by name. */
    static final Comparator<Result> WORST_FIRST = Comparator.comparingInt((Result r) -> r.counts().failed()).reversed()
            .thenComparing(Comparator.comparingInt(Result::soft).reversed())
            .thenComparing(Comparator.comparingInt((Result r) -> r.counts().flows()).reversed())
            .thenComparing(Result::name).thenComparing(Result::type);

    private Diagnosis() {
    }

    /** Every name and type among the flows, diagnosed, worst first. */
    static List<Result> of(List<Flow> flows) {
        return of(flows, f -> null);
    }

    /**
     * Every name and type among the flows of several dnsflow instances, diagnosed, worst first; when they come from
     * more than one, a verdict about failures says on which instances ({@link Replicas}).
     *
     * @param instance the instance each flow came from ({@code kube-system/coredns-b}), or null
     */
    static List<Result> of(List<Flow> flows, Function<Flow, String> instance) {
        return of(flows, instance, false);
    }

    /**
     * The same; {@code full}: the read stopped at {@code --limit}, so flows of the window may be missing and a node
     * flow no CoreDNS-side flow names may have been seen there all the same: then nothing is called lost between
     * the hops. Otherwise the CoreDNS side counts as read only when some flow read is not the node hop's
     * ({@link TwoHops#seesCorednsSide}): reading several dnsflows that are all nodelocal says nothing about it.
     */
    static List<Result> of(List<Flow> flows, Function<Flow, String> instance, boolean full) {
        return of(flows, instance, full, false);
    }

    /**
     * The same; {@code otherHopRead}: apart from {@code flows} (filtered by name, say), a flow that is not the node
     * hop's was read, so the CoreDNS side's dnsflow answered even if it saw none of these names.
     */
    static List<Result> of(List<Flow> all, Function<Flow, String> instance, boolean full, boolean otherHopRead) {
        List<Flow> flows = podQueries(all);
        Map<String, List<Flow>> groups = new LinkedHashMap<>();
        Set<String> nodeInstances = new HashSet<>();
        Set<String> otherInstances = new HashSet<>();
        for (Flow f : flows) {
            groups.computeIfAbsent(key(f), k -> new ArrayList<>()).add(f);
            String id = instance.apply(f);
            if (id != null) {
                (TwoHops.atNode(f) ? nodeInstances : otherInstances).add(id);
            }
        }
        boolean corednsSide = !full && (otherHopRead || TwoHops.seesCorednsSide(all));
        List<Result> results = new ArrayList<>();
        for (List<Flow> group : groups.values()) {
            results.add(diagnose(group, instance, nodeInstances.size(), otherInstances.size(), corednsSide));
        }
        results.sort(WORST_FIRST);
        return results;
    }

    /**
     * The flows of pod queries: without the cache's own background refreshes ({@link CacheMark#background}), which
     * a client's prefetch caused but no pod asked (same client and query ID), nor the flows behind CoreDNS that a
     * refresh at the node caused (their {@code via.nodelocal.flow} names it). Those are dnsflow's traffic: counted
     * as queries they would inflate "X of N" and turn a failed refresh into servfail_by_dnsflow.
     */
    static List<Flow> podQueries(List<Flow> flows) {
        Set<String> refreshes = new HashSet<>();
        for (Flow f : flows) {
            if (CacheMark.background(f)) {
                refreshes.add(f.id());
            }
        }
        if (refreshes.isEmpty()) {
            return flows;
        }
        return flows.stream().filter(f -> {
            Via via = f.get(Via.KEY);
            return !refreshes.contains(f.id()) && (via == null || !refreshes.contains(via.flow()));
        }).toList();
    }

    private static String key(Flow f) {
        String name = f.query().name();
        return name == null ? "" : name.toLowerCase(Locale.ROOT) + '|' + f.query().type();
    }

    /** The flows of one name and type (the caller groups them), all from one instance. */
    static Result diagnose(List<Flow> all) {
        List<Flow> pod = podQueries(all);
        List<Flow> flows = pod.isEmpty() ? all : pod;
        return diagnose(flows, f -> null, 1, 1, TwoHops.seesCorednsSide(flows));
    }

    /**
     * One name and type. With both hops read, one pod query is a flow at the node and one or more behind CoreDNS:
     * counts and the CoreDNS/upstream verdicts weigh each pod query once ({@link TwoHops#onePerPodQuery}), the node
     * hop's verdicts see both hops, and the replicas are compared within a hop (a node dnsflow and a CoreDNS
     * replica are not replicas of each other).
     */
    private static Result diagnose(List<Flow> flows, Function<Flow, String> instance, int nodeInstances, int otherInstances,
                                   boolean corednsSide) {
        Flow first = flows.get(0);
        String name = first.query().name() == null ? "(unreadable question)" : first.query().name();
        String type = first.query().name() == null ? "-" : Type.string(first.query().type());
        List<Flow> evidence = TwoHops.onePerPodQuery(flows);
        Counts counts = Evidence.count(evidence);
        List<Finding> findings = Verdicts.findings(evidence, type, counts);
        TwoHops.findings(flows, corednsSide, findings);
        findings.sort(Comparator.comparing(Finding::verdict));
        List<Finding> also = findings.subList(1, findings.size()).stream().filter(f -> f.verdict() != Verdict.HEALTHY).toList();
        Replicas atNodes = Replicas.of(flows.stream().filter(TwoHops::atNode).toList(), instance);
        Replicas others = Replicas.of(flows.stream().filter(f -> !TwoHops.atNode(f)).toList(), instance);
        Finding verdict = findings.get(0);
        String where = TwoHops.isNodeVerdict(verdict.verdict()) ? atNodes.note(nodeInstances) : others.note(otherInstances);
        if (!where.isEmpty()) {
            verdict = new Finding(verdict.verdict(), verdict.message() + where);
        }
        Map<String, int[]> all = new java.util.TreeMap<>(atNodes.byInstance());
        all.putAll(others.byInstance());
        return new Result(name, type, verdict, also, counts, Evidence.softOnly(evidence), new Replicas(all));
    }
}
