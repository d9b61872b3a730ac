package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.cli.Diagnosis.Result;
import dev.dnsflow.cli.Diagnosis.Verdict;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.Rcode;

/** The verdicts of {@code dnsflow diagnose}, from flows built by hand: one row per situation. */
class DiagnosisTest {
    private static final long T0 = 1_764_098_477_000_000_000L;
    private static final String A = "10.0.0.2:53";
    private static final String B = "10.0.0.3:53";
    private static int seq;

    // ---- flow builders ----------------------------------------------------------------------------

    private static Attempt attempt(String upstream, AttemptOutcome outcome) {
        return attempt(upstream, Transport.UDP, outcome);
    }

    private static Attempt attempt(String upstream, Transport transport, AttemptOutcome outcome) {
        return new Attempt(upstream, transport, 4000 + seq, T0, outcome == AttemptOutcome.TIMEOUT ? 700_000 : 400, outcome);
    }

    private static FlowResponse response(int rcode, int answers) {
        return new FlowResponse(rcode, answers, 60, false, answers > 0 ? new byte[] {4, (byte) 192, 0, 2, 1} : new byte[0]);
    }

    private static Flow flow(Transport transport, Outcome outcome, FlowResponse response, long micros, ChaosMark chaos,
                             CorednsSide coredns, Attempt... attempts) {
        seq++;
        return new Flow("flow-" + seq, T0 + seq * 1_000_000L, new Endpoint("10.96.0.10", 40000 + seq, transport),
                new QueryInfo(seq, "example.com.", 1, 1, true, false, false, 1232, 40), List.of(attempts), response, micros, outcome,
                chaos, coredns == null ? null : new Origin("10.244.0.5", 50000, Transport.UDP, "dnstap", null, null, null, 77),
                Extensions.NONE.with(CorednsSide.KEY, coredns));
    }

    private static Flow answered(long micros, Attempt... attempts) {
        return flow(Transport.UDP, Outcome.ANSWERED, response(Rcode.NOERROR, 1), micros, null, null, attempts);
    }

    private static Flow answeredWith(int rcode, Attempt... attempts) {
        return flow(Transport.UDP, Outcome.ANSWERED, response(rcode, 0), 500, null, null, attempts);
    }

    private static Flow servfail(Attempt... attempts) {
        return flow(Transport.UDP, Outcome.SERVFAIL, response(Rcode.SERVFAIL, 0), 1_800_000, null, null, attempts);
    }

    private static Flow chaos(String rule, String action, Outcome outcome, FlowResponse response) {
        return flow(Transport.UDP, outcome, response, 10, new ChaosMark(rule, action, 0), null);
    }

    private static Flow unansweredAtCoredns(boolean forwarded) {
        return flow(Transport.UDP, Outcome.UNANSWERED_AT_COREDNS, null, 0, null, new CorednsSide(T0, 0, -1, 0, forwarded));
    }

    private static Flow answeredAtCoredns(int rcode) {
        return flow(Transport.UDP, Outcome.ANSWERED_AT_COREDNS, response(rcode, rcode == Rcode.NOERROR ? 1 : 0), 90, null,
                new CorednsSide(T0, T0 + 90_000, rcode, 90, false));
    }

    private static Flow truncatedUdp() {
        return flow(Transport.UDP, Outcome.ANSWERED, new FlowResponse(Rcode.NOERROR, 0, 500, true, new byte[0]), 600, null, null,
                attempt(A, AttemptOutcome.TRUNCATED));
    }

    private static Flow overTcp() {
        return flow(Transport.TCP, Outcome.ANSWERED, response(Rcode.NOERROR, 5), 900, null, null,
                attempt(A, Transport.TCP, AttemptOutcome.ANSWERED));
    }

    private static List<Flow> times(int n, java.util.function.Supplier<Flow> f) {
        List<Flow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(f.get());
        }
        return out;
    }

    @SafeVarargs
    private static List<Flow> all(List<Flow>... parts) {
        List<Flow> out = new ArrayList<>();
        for (List<Flow> p : parts) {
            out.addAll(p);
        }
        return out;
    }

    // ---- the table ---------------------------------------------------------------------------------

    static Stream<Arguments> situations() {
        return Stream.of(
            Arguments.of("dropped at CoreDNS", times(12, () -> unansweredAtCoredns(false)),
                Verdict.DROPPED_AT_COREDNS,
                "12 client queries, 0 forwarded — dropped at CoreDNS: 12 never answered and never sent to dnsflow", List.of()),
            Arguments.of("forwarded by CoreDNS, never seen by dnsflow", times(3, () -> unansweredAtCoredns(true)),
                Verdict.LOST_BEFORE_DNSFLOW, "CoreDNS forwarded 3 queries that dnsflow never received — lost between CoreDNS and dnsflow",
                List.of()),
            Arguments.of("one upstream loses queries, the other answers",
                times(36, () -> answered(700_400, attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.ANSWERED))),
                Verdict.UPSTREAM_LOSING,
                "36 attempts to 10.0.0.2:53 timed out; 10.0.0.3:53 answered 36 — upstream 10.0.0.2:53 is losing queries", List.of()),
            Arguments.of("some attempts to the only upstream time out; retries answer",
                all(times(2, () -> answered(700_400, attempt(A, AttemptOutcome.TIMEOUT), attempt(A, AttemptOutcome.ANSWERED))),
                    times(8, () -> answered(400, attempt(A, AttemptOutcome.ANSWERED)))),
                Verdict.UPSTREAM_LOSING,
                "2 of 12 attempts to 10.0.0.2:53 timed out; retries to 10.0.0.2:53 answered 10 — upstream 10.0.0.2:53 is losing queries",
                List.of()),
            Arguments.of("a chaos drop rule", times(8, () -> chaos("drop-example", "drop", Outcome.CHAOS_DROP, null)),
                Verdict.CHAOS, "chaos rule drop-example dropped 8 queries (injected by dnsflow on purpose, not a real fault)",
                List.of()),
            Arguments.of("a chaos rule next to a lossy upstream: the rule first, the upstream as 'also'",
                all(times(2, () -> chaos("drop-example", "drop", Outcome.CHAOS_DROP, null)),
                    times(3, () -> answered(700_400, attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.ANSWERED)))),
                Verdict.CHAOS, "chaos rule drop-example dropped 2 of 5 queries (injected by dnsflow on purpose, not a real fault)",
                List.of(Verdict.UPSTREAM_LOSING)),
            Arguments.of("a chaos rcode rule",
                times(4, () -> chaos("fail", "rcode", Outcome.CHAOS_RCODE, response(Rcode.SERVFAIL, 0))),
                Verdict.CHAOS, "chaos rule fail answered 4 queries with SERVFAIL (injected by dnsflow on purpose, not a real fault)",
                List.of()),
            Arguments.of("NXDOMAIN from upstream", times(5, () -> answeredWith(Rcode.NXDOMAIN, attempt(A, AttemptOutcome.ANSWERED))),
                Verdict.NXDOMAIN, "NXDOMAIN from upstream to 5 queries — the name does not exist", List.of()),
            Arguments.of("NXDOMAIN from CoreDNS's cache", times(2, () -> answeredAtCoredns(Rcode.NXDOMAIN)),
                Verdict.NXDOMAIN, "NXDOMAIN from CoreDNS itself (cache or kubernetes plugin) to 2 queries — the name does not exist",
                List.of(Verdict.ANSWERED_AT_COREDNS)),
            Arguments.of("NODATA", times(3, () -> answeredWith(Rcode.NOERROR, attempt(A, AttemptOutcome.ANSWERED))),
                Verdict.NODATA, "NOERROR without records (NODATA) to 3 queries — the name exists but has no A records", List.of()),
            Arguments.of("truncated, the client retried over TCP", all(times(2, DiagnosisTest::truncatedUdp), times(2, DiagnosisTest::overTcp)),
                Verdict.TRUNCATED_TCP, "truncated, retried over TCP, answered (2 UDP answers with TC=1, 2 answered over TCP)", List.of()),
            Arguments.of("truncated, dnsflow retried over TCP itself",
                List.of(answered(900, attempt(A, AttemptOutcome.TRUNCATED), attempt(A, Transport.TCP, AttemptOutcome.ANSWERED))),
                Verdict.TRUNCATED_TCP, "truncated, retried over TCP, answered (1 retried over TCP by dnsflow)", List.of()),
            Arguments.of("truncated and never retried over TCP", times(3, DiagnosisTest::truncatedUdp),
                Verdict.TRUNCATED_NO_TCP, "truncated over UDP (3 answers with TC=1) and no retry over TCP seen — the client does not "
                    + "fall back to TCP, or TCP to dnsflow is blocked", List.of()),
            Arguments.of("answered by CoreDNS itself", times(4, () -> answeredAtCoredns(Rcode.NOERROR)),
                Verdict.ANSWERED_AT_COREDNS, "answered by CoreDNS itself (cache or kubernetes plugin): 4 queries, none forwarded, "
                    + "p50 0.09ms, max 0.09ms", List.of()),
            Arguments.of("every attempt timed out: SERVFAIL from dnsflow",
                List.of(servfail(attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.TIMEOUT), attempt(A, AttemptOutcome.TIMEOUT))),
                Verdict.SERVFAIL_BY_DNSFLOW, "SERVFAIL from dnsflow after 3 attempts: all upstreams timed out (10.0.0.2:53, 10.0.0.3:53)",
                List.of()),
            Arguments.of("some SERVFAIL, some answered after timeouts: SERVFAIL first, the lossy upstream as 'also'",
                all(times(2, () -> servfail(attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.ERROR))),
                    times(3, () -> answered(700_400, attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.ANSWERED)))),
                Verdict.SERVFAIL_BY_DNSFLOW, "SERVFAIL from dnsflow to 2 of 5 queries after 4 attempts: 2 timed out, "
                    + "2 failed (connection error) (10.0.0.2:53, 10.0.0.3:53)", List.of(Verdict.UPSTREAM_LOSING)),
            Arguments.of("SERVFAIL from the upstream itself", times(2, () -> answeredWith(Rcode.SERVFAIL, attempt(B, AttemptOutcome.ANSWERED))),
                Verdict.UPSTREAM_ERROR, "SERVFAIL from upstream 10.0.0.3:53 to 2 queries — the upstream cannot resolve it", List.of()),
            Arguments.of("REFUSED by dnsflow's --allow",
                List.of(flow(Transport.UDP, Outcome.REFUSED, response(Rcode.REFUSED, 0), 5, null, null)),
                Verdict.REJECTED_BY_DNSFLOW, "dnsflow answered REFUSED to 1 (client not in --allow)", List.of()),
            Arguments.of("healthy", List.of(answered(300, attempt(A, AttemptOutcome.ANSWERED)), answered(1200, attempt(A, AttemptOutcome.ANSWERED)),
                    answered(45_000, attempt(A, AttemptOutcome.ANSWERED))),
                Verdict.HEALTHY, "healthy: 3 answered, p50 1.20ms, max 45ms", List.of()),
            Arguments.of("healthy, partly from CoreDNS's cache",
                List.of(answered(300, attempt(A, AttemptOutcome.ANSWERED)), answeredAtCoredns(Rcode.NOERROR)),
                Verdict.HEALTHY, "healthy: 2 answered (1 by CoreDNS itself), p50 0.09ms, max 0.30ms", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void verdict(String situation, List<Flow> flows, Verdict verdict, String message, List<Verdict> also) {
        List<Flow> shuffled = new ArrayList<>(flows);
        Collections.shuffle(shuffled, new java.util.Random(situation.hashCode()));

        Result r = Diagnosis.diagnose(shuffled);

        assertThat(r.verdict().verdict()).as(situation).isEqualTo(verdict);
        assertThat(r.verdict().message()).isEqualTo(message);
        assertThat(r.also()).extracting(Diagnosis.Finding::verdict).containsExactlyElementsOf(also);
        assertThat(r.line()).isEqualTo("example.com. A: " + message);
        assertThat(r.name()).isEqualTo("example.com.");
        assertThat(r.type()).isEqualTo("A");
        assertThat(r.counts().flows()).isEqualTo(flows.size());
    }

    @Test
    void aFailedCacheRefreshIsNoPodQuery() {
        Flow prefetch = answered(40).with(dev.dnsflow.flow.CacheMark.KEY,
                new dev.dnsflow.flow.CacheMark(dev.dnsflow.flow.CacheMark.Result.PREFETCH, 3));
        Flow refresh = servfail(attempt(A, AttemptOutcome.TIMEOUT)).with(dev.dnsflow.flow.CacheMark.KEY,
                new dev.dnsflow.flow.CacheMark(dev.dnsflow.flow.CacheMark.Result.REFRESH, 3));

        Result r = Diagnosis.diagnose(List.of(prefetch, refresh));
        List<Result> all = Diagnosis.of(List.of(prefetch, refresh));

        assertThat(r.verdict().verdict()).isNotEqualTo(Verdict.SERVFAIL_BY_DNSFLOW);
        assertThat(r.also()).extracting(Diagnosis.Finding::verdict).doesNotContain(Verdict.SERVFAIL_BY_DNSFLOW);
        assertThat(r.counts().flows()).as("one pod query").isEqualTo(1);
        assertThat(all).singleElement().satisfies(x -> {
            assertThat(x.verdict().verdict()).isEqualTo(Verdict.HEALTHY);
            assertThat(x.counts().flows()).isEqualTo(1);
        });
    }

    @Test
    void countsAreWhatJsonReports() {
        List<Flow> flows = all(times(2, () -> answered(700_400, attempt(A, AttemptOutcome.TIMEOUT), attempt(B, AttemptOutcome.ANSWERED))),
                List.of(chaos("drop-example", "drop", Outcome.CHAOS_DROP, null), unansweredAtCoredns(false)));

        Map<String, Object> json = Diagnosis.diagnose(flows).toMap();

        assertThat(json).containsKeys("name", "type", "verdict", "message", "also", "counts");
        assertThat(json.get("verdict")).isEqualTo("chaos");
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) json.get("counts");
        assertThat(counts).containsEntry("flows", 4).containsEntry("forwarded", 3).containsEntry("answered", 2)
                .containsEntry("failed", 4).containsEntry("p50_us", 700_400L).containsEntry("max_us", 700_400L);
        assertThat(counts.get("outcomes")).isEqualTo(Map.of("answered", 2, "chaos_drop", 1, "unanswered_at_coredns", 1));
        assertThat(counts.get("rcodes")).isEqualTo(Map.of("NOERROR", 2));
        assertThat(counts.get("upstreams")).isEqualTo(Map.of(A, Map.of("timeout", 2), B, Map.of("answered", 2)));
        assertThat(counts.get("chaos")).isEqualTo(Map.of("drop-example", 1));
    }

    @Test
    void namesAreGroupedByNameAndTypeAndRankedWorstFirst() {
        List<Flow> flows = new ArrayList<>();
        flows.addAll(renamed("healthy.example.com.", times(50, () -> answered(300, attempt(A, AttemptOutcome.ANSWERED)))));
        flows.addAll(renamed("nx.example.com.", times(30, () -> answeredWith(Rcode.NXDOMAIN, attempt(A, AttemptOutcome.ANSWERED)))));
        flows.addAll(renamed("lossy.example.com.", times(3, () -> answered(700_000, attempt(A, AttemptOutcome.TIMEOUT),
                attempt(B, AttemptOutcome.ANSWERED)))));
        flows.addAll(renamed("dropped.example.com.", times(5, () -> unansweredAtCoredns(false))));
        flows.addAll(renamed("LOSSY.example.com.", List.of(answered(300, attempt(A, AttemptOutcome.ANSWERED)))));

        List<Result> results = Diagnosis.of(flows);

        assertThat(results).extracting(Result::name)
                .containsExactly("dropped.example.com.", "lossy.example.com.", "nx.example.com.", "healthy.example.com.");
        assertThat(results.get(1).counts().flows()).as("names compare case-insensitively").isEqualTo(4);
        assertThat(results).extracting(Result::hasProblems).containsExactly(true, true, true, false);
    }

    @Test
    void flowsFromSeveralInstancesSayWhereTheNameFails() {
        List<Flow> onA = times(3, () -> answered(400, attempt(A, AttemptOutcome.ANSWERED)));
        List<Flow> onB = times(2, () -> servfail(attempt(A, AttemptOutcome.TIMEOUT)));
        java.util.Map<Flow, String> instance = new java.util.IdentityHashMap<>();
        onA.forEach(f -> instance.put(f, "kube-system/coredns-a"));
        onB.forEach(f -> instance.put(f, "kube-system/coredns-b"));

        Result some = Diagnosis.of(all(onA, onB), instance::get).get(0);
        assertThat(some.verdict().message()).startsWith("SERVFAIL from dnsflow to 2 of 5 queries ")
                .endsWith(" — fails only on kube-system/coredns-b (kube-system/coredns-a answered it)");
        assertThat(some.toMap()).containsKey("instances");
        assertThat(Diagnosis.of(onB, instance::get).get(0).verdict().message()).as("one instance in all: nothing to point at")
                .doesNotContain("coredns");
        List<Flow> other = renamed("other.example.com.", onA);
        other.forEach(f -> instance.put(f, "kube-system/coredns-a"));
        assertThat(Diagnosis.of(all(onB, other), instance::get)).filteredOn(r -> r.name().equals("example.com."))
                .singleElement().satisfies(r -> assertThat(r.verdict().message()).endsWith(" — seen only on kube-system/coredns-b"));
        List<Flow> failingOnA = times(1, () -> servfail(attempt(A, AttemptOutcome.TIMEOUT)));
        failingOnA.forEach(f -> instance.put(f, "kube-system/coredns-a"));
        assertThat(Diagnosis.of(all(failingOnA, onB), instance::get).get(0).verdict().message())
                .endsWith(" — fails on all 2 instances that saw it");
        assertThat(Diagnosis.of(all(onA, onB)).get(0).toMap()).as("flows without instances").doesNotContainKey("instances");
    }

    private static List<Flow> renamed(String name, List<Flow> flows) {
        return flows.stream().map(f -> new Flow(f.id(), f.timeEpochNanos(), f.client(), new QueryInfo(f.query().id(), name,
                f.query().type(), f.query().dclass(), true, false, false, 0, 40), f.attempts(), f.response(), f.durationMicros(),
                f.outcome(), f.chaos(), f.origin(), f.extensions())).toList();
    }
}
