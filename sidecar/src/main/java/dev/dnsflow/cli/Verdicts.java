package dev.dnsflow.cli;

import dev.dnsflow.cli.Diagnosis.Counts;
import dev.dnsflow.cli.Diagnosis.Finding;
import dev.dnsflow.cli.Diagnosis.Verdict;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowText;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.xbill.DNS.Rcode;

/**
 * The verdict rules of {@code dnsflow diagnose}: each looks for the evidence of one {@link Verdict} among the flows
 * of one name and type and, where it is present, words it as a {@link Finding}. Which finding wins is
 * {@link Diagnosis}'s business (the order of {@link Verdict}).
 */
final class Verdicts {
    private Verdicts() {
    }

    /** Every finding whose evidence is present, in no particular order; {@code healthy} always among them. */
    static List<Finding> findings(List<Flow> flows, String type, Counts counts) {
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
        return findings;
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
            boolean forwardedByCoredns = forwardedByCoredns(f);
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
                case ABANDONED -> "cut short by dnsflow stopping";
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
            int all = Arrays.stream(n).sum();
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
                    && Evidence.ERROR_RCODES.contains(f.response().rcode())) {
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

    /** Whether CoreDNS's dnstap, joined in, says CoreDNS forwarded the query to dnsflow. */
    private static boolean forwardedByCoredns(Flow f) {
        CorednsSide side = f.get(CorednsSide.KEY);
        return side != null && side.forwarded();
    }

    private static void answeredAtCoredns(List<Flow> flows, Counts counts, List<Finding> out) {
        if (flows.stream().allMatch(f -> f.outcome() == Outcome.ANSWERED_AT_COREDNS && !forwardedByCoredns(f))) {
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
