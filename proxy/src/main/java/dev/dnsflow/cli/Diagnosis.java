package dev.dnsflow.cli;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowText;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The verdicts of {@code dnsflow diagnose}: the flows of one query name and type, read as a whole, turned into
 * what went wrong in plain words with the evidence. Pure: flows in, {@link Result}s out, no I/O.
 *
 * <p>Every {@link Verdict} whose evidence is present is a finding; the first one in this order is the verdict,
 * the others are printed as "also". The order puts first what explains the most and what an operator must
 * act on first:
 * <ol>
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
 * <li>{@code healthy}: nothing of the above.</li>
 * </ol>
 *
 * <p>Ranking names without {@code --name}: by failed flows (no answer, SERVFAIL/REFUSED/FORMERR/NOTIMP from
 * anyone, or a timed-out or failed attempt), then by soft problems (NXDOMAIN, truncation, chaos-touched), then
 * by the number of flows. NXDOMAIN ranks behind real failures on purpose: Kubernetes search paths produce
 * NXDOMAIN by the thousand and would otherwise bury an outage.
 */
final class Diagnosis {
    private static final Set<Integer> ERROR_RCODES = Set.of(Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP);

    /** The verdicts, in priority order (see the class comment). */
    enum Verdict {
        CHAOS, DROPPED_AT_COREDNS, LOST_BEFORE_DNSFLOW, SERVFAIL_BY_DNSFLOW, REJECTED_BY_DNSFLOW, UPSTREAM_LOSING,
        UPSTREAM_ERROR, TRUNCATED_NO_TCP, NXDOMAIN, NODATA, TRUNCATED_TCP, ANSWERED_AT_COREDNS, HEALTHY;

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
    record Result(String name, String type, Finding verdict, List<Finding> also, Counts counts, int soft) {
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
        Map<String, List<Flow>> groups = new LinkedHashMap<>();
        for (Flow f : flows) {
            groups.computeIfAbsent(key(f), k -> new ArrayList<>()).add(f);
        }
        List<Result> results = new ArrayList<>();
        for (List<Flow> group : groups.values()) {
            results.add(diagnose(group));
        }
        results.sort(WORST_FIRST);
        return results;
    }

    private static String key(Flow f) {
        String name = f.query().name();
        return name == null ? "" : name.toLowerCase(Locale.ROOT) + '|' + f.query().type();
    }

    /** The flows of one name and type (the caller groups them). */
    static Result diagnose(List<Flow> flows) {
        Flow first = flows.get(0);
        String name = first.query().name() == null ? "(unreadable question)" : first.query().name();
        String type = first.query().name() == null ? "-" : Type.string(first.query().type());
        Counts counts = count(flows);
        List<Finding> findings = new ArrayList<>();
        chaos(flows, findings);
        corednsSide(flows, counts, findings);
        servfail(flows, findings);
        rejected(flows, findings);
        losing(flows, findings);
        upstreamError(flows, findings);
        truncation(flows, findings);
        nxdomain(flows, findings);
        nodata(flows, type, findings);
        answeredAtCoredns(flows, counts, findings);
        findings.add(new Finding(Verdict.HEALTHY, healthy(flows, counts)));
        findings.sort(Comparator.comparing(Finding::verdict));
        List<Finding> also = findings.subList(1, findings.size()).stream().filter(f -> f.verdict() != Verdict.HEALTHY).toList();
        int soft = (int) flows.stream().filter(f -> !failed(f) && soft(f)).count();
        return new Result(name, type, findings.get(0), also, counts, soft);
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

    private static boolean soft(Flow f) {
        return f.chaos() != null || f.response() != null && (f.response().rcode() == Rcode.NXDOMAIN || f.response().truncated());
    }

    private static boolean reachedDnsflow(Flow f) {
        return f.outcome() != Outcome.ANSWERED_AT_COREDNS && f.outcome() != Outcome.UNANSWERED_AT_COREDNS;
    }

    private static Counts count(List<Flow> flows) {
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

    private static void chaos(List<Flow> flows, List<Finding> out) {
        Map<String, Map<String, List<Flow>>> byRule = new TreeMap<>();
        for (Flow f : flows) {
            if (f.chaos() != null) {
                byRule.computeIfAbsent(f.chaos().rule(), r -> new TreeMap<>()).computeIfAbsent(f.chaos().action(), a -> new ArrayList<>())
                        .add(f);
            }
        }
        if (byRule.isEmpty()) {
            return;
        }
        StringJoiner parts = new StringJoiner("; ");
        byRule.forEach((rule, actions) -> actions.forEach((action, touched) ->
                parts.add("chaos rule " + rule + " " + chaosVerb(action, of(touched.size(), flows.size()) + " queries", touched))));
        out.add(new Finding(Verdict.CHAOS, parts + " (injected by dnsflow on purpose, not a real fault)"));
    }

    private static String chaosVerb(String action, String queries, List<Flow> touched) {
        return switch (action) {
            case "drop" -> "dropped " + queries;
            case "upstream-drop" -> "threw away the upstream's answer to " + queries;
            case "truncate" -> "truncated " + queries;
            case "rcode" -> "answered " + queries + " with " + touched.stream().filter(f -> f.response() != null)
                    .map(f -> Rcode.string(f.response().rcode())).findFirst().orElse("an rcode");
            case "delay", "delay-response" -> "delayed " + queries + " (by up to "
                    + FlowText.millis(touched.stream().mapToLong(f -> f.chaos().delayMicros()).max().orElse(0)) + ")";
            default -> action + " " + queries;
        };
    }

    private static void corednsSide(List<Flow> flows, Counts counts, List<Finding> out) {
        int dropped = 0;
        int lost = 0;
        int lostAnswered = 0;
        for (Flow f : flows) {
            boolean forwardedByCoredns = f.coredns() != null && f.coredns().forwarded();
            if (f.outcome() == Outcome.UNANSWERED_AT_COREDNS) {
                if (forwardedByCoredns) {
                    lost++;
                } else {
                    dropped++;
                }
            } else if (f.outcome() == Outcome.ANSWERED_AT_COREDNS && forwardedByCoredns) {
                lost++;
                lostAnswered++;
            }
        }
        if (dropped > 0) {
            out.add(new Finding(Verdict.DROPPED_AT_COREDNS, counts.flows() + " client queries, " + counts.forwarded()
                    + " forwarded — dropped at CoreDNS: " + dropped + " never answered and never sent to dnsflow"));
        }
        if (lost > 0) {
            out.add(new Finding(Verdict.LOST_BEFORE_DNSFLOW, "CoreDNS forwarded " + lost + " queries that dnsflow never received"
                    + (lostAnswered > 0 ? " (CoreDNS still answered " + lostAnswered + ")" : "")
                    + " — lost between CoreDNS and dnsflow"));
        }
    }

    private static void servfail(List<Flow> flows, List<Finding> out) {
        List<Flow> servfails = flows.stream().filter(f -> f.outcome() == Outcome.SERVFAIL).toList();
        if (servfails.isEmpty()) {
            return;
        }
        Map<AttemptOutcome, Integer> byOutcome = new EnumMap<>(AttemptOutcome.class);
        Map<String, Integer> upstreams = new LinkedHashMap<>(); // in the order dnsflow tried them
        int attempts = 0;
        for (Flow f : servfails) {
            for (Attempt a : f.attempts()) {
                attempts++;
                byOutcome.merge(a.outcome(), 1, Integer::sum);
                upstreams.merge(a.upstream(), 1, Integer::sum);
            }
        }
        String who = servfails.size() == flows.size() && flows.size() == 1 ? "" : " to " + of(servfails.size(), flows.size())
                + " queries";
        String why;
        if (attempts == 0) {
            why = "no upstream was asked (none healthy, or the deadline passed first)";
        } else if (byOutcome.getOrDefault(AttemptOutcome.TIMEOUT, 0) == attempts) {
            why = "all upstreams timed out (" + String.join(", ", upstreams.keySet()) + ")";
        } else {
            StringJoiner parts = new StringJoiner(", ");
            byOutcome.forEach((o, n) -> parts.add(n + " " + switch (o) {
                case TIMEOUT -> "timed out";
                case ERROR -> "failed (connection error)";
                case TRUNCATED -> "truncated";
                case ANSWERED -> "answered too late";
            }));
            why = parts + " (" + String.join(", ", upstreams.keySet()) + ")";
        }
        out.add(new Finding(Verdict.SERVFAIL_BY_DNSFLOW, "SERVFAIL from dnsflow" + who + " after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + ": " + why));
    }

    private static void rejected(List<Flow> flows, List<Finding> out) {
        StringJoiner parts = new StringJoiner(", ");
        long refused = flows.stream().filter(f -> f.outcome() == Outcome.REFUSED).count();
        long formerr = flows.stream().filter(f -> f.outcome() == Outcome.FORMERR).count();
        long notimp = flows.stream().filter(f -> f.outcome() == Outcome.NOTIMP).count();
        if (refused > 0) {
            parts.add("REFUSED to " + refused + " (client not in --allow)");
        }
        if (formerr > 0) {
            parts.add("FORMERR to " + formerr + " (malformed query)");
        }
        if (notimp > 0) {
            parts.add("NOTIMP to " + notimp + " (opcode other than QUERY)");
        }
        if (parts.length() > 0) {
            out.add(new Finding(Verdict.REJECTED_BY_DNSFLOW, "dnsflow answered " + parts));
        }
    }

    /** Attempts that timed out or failed in flows that were answered in the end (SERVFAILs speak for themselves). */
    private static void losing(List<Flow> flows, List<Finding> out) {
        Map<String, int[]> byUpstream = new LinkedHashMap<>(); // in the order dnsflow tried them
        for (Flow f : flows) {
            if (f.chaos() != null || f.outcome() != Outcome.ANSWERED) {
                continue;
            }
            for (Attempt a : f.attempts()) {
                byUpstream.computeIfAbsent(a.upstream(), u -> new int[AttemptOutcome.values().length])[a.outcome().ordinal()]++;
            }
        }
        List<String> bad = new ArrayList<>();
        StringJoiner evidence = new StringJoiner("; ");
        byUpstream.forEach((upstream, n) -> {
            int timeouts = n[AttemptOutcome.TIMEOUT.ordinal()];
            int errors = n[AttemptOutcome.ERROR.ordinal()];
            int all = java.util.Arrays.stream(n).sum();
            if (timeouts > 0) {
                evidence.add(of(timeouts, all) + " attempts to " + upstream + " timed out");
            }
            if (errors > 0) {
                evidence.add(of(errors, all) + " attempts to " + upstream + " failed (connection error)");
            }
            if (timeouts + errors > 0) {
                bad.add(upstream);
            }
        });
        if (bad.isEmpty()) {
            return;
        }
        byUpstream.forEach((upstream, n) -> {
            int answered = n[AttemptOutcome.ANSWERED.ordinal()] + n[AttemptOutcome.TRUNCATED.ordinal()];
            if (answered > 0) {
                evidence.add((bad.contains(upstream) ? "retries to " + upstream + " answered " : upstream + " answered ") + answered);
            }
        });
        out.add(new Finding(Verdict.UPSTREAM_LOSING, evidence + " — upstream" + (bad.size() > 1 ? "s " : " ")
                + String.join(", ", bad) + (bad.size() > 1 ? " are" : " is") + " losing queries"));
    }

    private static void upstreamError(List<Flow> flows, List<Finding> out) {
        Map<String, Integer> byRcodeAndUpstream = new TreeMap<>();
        int total = 0;
        for (Flow f : flows) {
            if (f.chaos() == null && f.outcome() == Outcome.ANSWERED && f.response() != null
                    && ERROR_RCODES.contains(f.response().rcode())) {
                total++;
                byRcodeAndUpstream.merge(Rcode.string(f.response().rcode()) + " from upstream " + answeredBy(f), 1, Integer::sum);
            }
        }
        if (total == 0) {
            return;
        }
        StringJoiner parts = new StringJoiner("; ");
        byRcodeAndUpstream.forEach((what, n) -> parts.add(what + " to " + of(n, flows.size()) + " queries"));
        out.add(new Finding(Verdict.UPSTREAM_ERROR, parts + " — the upstream cannot resolve it"));
    }

    private static String answeredBy(Flow f) {
        for (int i = f.attempts().size() - 1; i >= 0; i--) {
            Attempt a = f.attempts().get(i);
            if (a.outcome() == AttemptOutcome.ANSWERED || a.outcome() == AttemptOutcome.TRUNCATED) {
                return a.upstream();
            }
        }
        return f.attempts().isEmpty() ? "?" : f.attempts().get(f.attempts().size() - 1).upstream();
    }

    private static void truncation(List<Flow> flows, List<Finding> out) {
        int udpTruncated = 0;
        int tcpAnswered = 0;
        int retriedByDnsflow = 0;
        for (Flow f : flows) {
            if (f.chaos() != null || f.response() == null) {
                continue;
            }
            if (f.client().transport() == Transport.UDP && f.response().truncated()) {
                udpTruncated++;
            }
            if (f.client().transport() == Transport.TCP && !f.response().truncated()) {
                tcpAnswered++;
            }
            boolean sawTc = false;
            for (Attempt a : f.attempts()) {
                if (a.outcome() == AttemptOutcome.TRUNCATED) {
                    sawTc = true;
                } else if (sawTc && a.transport() == Transport.TCP && a.outcome() == AttemptOutcome.ANSWERED) {
                    retriedByDnsflow++;
                    break;
                }
            }
        }
        if (udpTruncated > 0 && tcpAnswered == 0) {
            out.add(new Finding(Verdict.TRUNCATED_NO_TCP, "truncated over UDP (" + udpTruncated + " answers with TC=1) and no retry over "
                    + "TCP seen — the client does not fall back to TCP, or TCP to dnsflow is blocked"));
        } else if (udpTruncated > 0 || retriedByDnsflow > 0) {
            StringJoiner parts = new StringJoiner(", ");
            if (udpTruncated > 0) {
                parts.add(udpTruncated + " UDP answers with TC=1, " + tcpAnswered + " answered over TCP");
            }
            if (retriedByDnsflow > 0) {
                parts.add(retriedByDnsflow + " retried over TCP by dnsflow");
            }
            out.add(new Finding(Verdict.TRUNCATED_TCP, "truncated, retried over TCP, answered (" + parts + ")"));
        }
    }

    private static void nxdomain(List<Flow> flows, List<Finding> out) {
        int fromUpstream = 0;
        int fromCoredns = 0;
        for (Flow f : flows) {
            if (f.chaos() == null && f.response() != null && f.response().rcode() == Rcode.NXDOMAIN) {
                if (f.outcome() == Outcome.ANSWERED_AT_COREDNS) {
                    fromCoredns++;
                } else {
                    fromUpstream++;
                }
            }
        }
        if (fromUpstream + fromCoredns == 0) {
            return;
        }
        String from = fromCoredns == 0 ? "from upstream"
                : fromUpstream == 0 ? "from CoreDNS itself (cache or kubernetes plugin)"
                : "(" + fromUpstream + " from upstream, " + fromCoredns + " from CoreDNS itself)";
        out.add(new Finding(Verdict.NXDOMAIN, "NXDOMAIN " + from + " to " + of(fromUpstream + fromCoredns, flows.size())
                + " queries — the name does not exist"));
    }

    private static void nodata(List<Flow> flows, String type, List<Finding> out) {
        long n = flows.stream().filter(f -> f.chaos() == null && f.response() != null && f.response().rcode() == Rcode.NOERROR
                && f.response().answers() == 0 && !f.response().truncated()).count();
        if (n > 0) {
            out.add(new Finding(Verdict.NODATA, "NOERROR without records (NODATA) to " + of((int) n, flows.size())
                    + " queries — the name exists but has no " + type + " records"));
        }
    }

    private static void answeredAtCoredns(List<Flow> flows, Counts counts, List<Finding> out) {
        if (flows.stream().allMatch(f -> f.outcome() == Outcome.ANSWERED_AT_COREDNS && (f.coredns() == null || !f.coredns().forwarded()))) {
            out.add(new Finding(Verdict.ANSWERED_AT_COREDNS, "answered by CoreDNS itself (cache or kubernetes plugin): "
                    + counts.flows() + " queries, none forwarded, p50 " + FlowText.millis(counts.p50Micros()) + ", max "
                    + FlowText.millis(counts.maxMicros())));
        }
    }

    private static String healthy(List<Flow> flows, Counts counts) {
        long atCoredns = flows.stream().filter(f -> f.outcome() == Outcome.ANSWERED_AT_COREDNS).count();
        return "healthy: " + counts.answered() + " answered" + (atCoredns > 0 ? " (" + atCoredns + " by CoreDNS itself)" : "")
                + (counts.answered() > 0 ? ", p50 " + FlowText.millis(counts.p50Micros()) + ", max "
                + FlowText.millis(counts.maxMicros()) : "");
    }

    /** {@code 5} when it is all of them, else {@code 5 of 12}. */
    private static String of(int n, int all) {
        return n == all ? String.valueOf(n) : n + " of " + all;
    }
}
