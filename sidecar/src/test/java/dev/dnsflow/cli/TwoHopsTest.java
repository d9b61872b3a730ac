package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CompactReader;
import dev.dnsflow.flow.CompactWriter;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowExtension;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * The node hop's verdicts, from flows as the two dnsflows write them to JSON and {@code diagnose} reads them back
 * ({@link JsonFlows}): the node's flows marked {@code hand_off}, the CoreDNS side's carrying {@code via.nodelocal.flow}.
 */
class TwoHopsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_764_098_477_000_000_000L;
    private static int seq;

    /** The cache stage's extension comes from another package; a stand-in that reads the same JSON when it is absent. */
    @BeforeAll
    static void cacheExtension() {
        if (FlowExtension.registered().stream().noneMatch(k -> k.name().equals("cache"))) {
            FlowExtension.register(new FlowExtension<>("cache", new FlowExtension.Codec<String>() {
                @Override
                public void writeJson(String result, JsonGenerator g) throws IOException {
                    g.writeStartObject();
                    g.writeStringField("result", result);
                    g.writeEndObject();
                }

                @Override
                public String readJson(JsonNode node) {
                    return node.path("result").asText();
                }

                @Override
                public void encode(String value, CompactWriter out) {
                    out.writeString(value);
                }

                @Override
                public String decode(CompactReader in) {
                    return in.readString();
                }
            }));
        }
    }

    private static Flow flow(String id, Outcome outcome, FlowResponse response, ChaosMark chaos, Origin origin, Extensions ext,
                             Attempt... attempts) {
        seq++;
        return new Flow(id, T0 + seq * 1_000_000L, new Endpoint("127.0.0.1", 40000 + seq, Transport.UDP),
                new QueryInfo(seq, "web.example.com.", 1, 1, true, false, false, 1232, 40), List.of(attempts), response, 500, outcome,
                chaos, origin, ext);
    }

    private static Attempt attempt(AttemptOutcome outcome) {
        return new Attempt("10.96.0.10:53", Transport.UDP, 4000 + seq, T0, 700_000, outcome);
    }

    private static FlowResponse ok() {
        return new FlowResponse(Rcode.NOERROR, 1, 30, false, new byte[] {4, (byte) 192, 0, 2, 1});
    }

    /** A flow of the node's dnsflow, through JSON; {@code cache} adds {@code "cache":{"result":…}} as the cache stage writes it. */
    private static Flow atNode(String id, Outcome outcome, FlowResponse response, ChaosMark chaos, String cache, Attempt... attempts)
            throws IOException {
        Flow f = flow(id, outcome, response, chaos, null, Extensions.NONE.with(HandOffMark.KEY, new HandOffMark("worker-1")), attempts);
        ObjectNode json = (ObjectNode) JSON.readTree(FlowJson.toJson(f));
        assertThat(json.path("hand_off").path("node").asText()).isEqualTo("worker-1");
        if (cache != null) {
            json.putObject("cache").put("result", cache).put("ttl_left", 25);
        }
        return JsonFlows.read(json);
    }

    /** A flow of the dnsflow behind CoreDNS that got the node flow {@code nodeFlow}, through JSON. */
    private static Flow behindCoredns(String nodeFlow) throws IOException {
        Flow f = flow("c" + seq, Outcome.ANSWERED, ok(), null, new Origin("10.244.1.7", 50000, null, "nodelocal", null, null, null, 7),
                Extensions.NONE.with(Via.KEY, new Via("worker-1", nodeFlow)), attempt(AttemptOutcome.ANSWERED));
        Flow back = JsonFlows.read(JSON.readTree(FlowJson.toJson(f)));
        assertThat(back.get(Via.KEY)).isEqualTo(new Via("worker-1", nodeFlow));
        assertThat(back.origin().source()).isEqualTo("nodelocal");
        assertThat(back.origin().id()).isEqualTo(7);
        return back;
    }

    private static Diagnosis.Result diagnose(boolean full, Flow... flows) {
        return Diagnosis.of(List.of(flows), f -> null, full).get(0);
    }

    @Test
    void aChaosDropAtTheNodeIsDroppedAtNodelocalAheadOfChaos() throws Exception {
        Diagnosis.Result r = diagnose(true, atNode("n1", Outcome.CHAOS_DROP, null, new ChaosMark("drop-web", "drop", 0), null),
                atNode("n2", Outcome.CHAOS_DROP, null, new ChaosMark("drop-web", "drop", 0), null));

        assertThat(r.verdict().verdict().code()).isEqualTo("dropped_at_nodelocal");
        assertThat(r.verdict().message()).isEqualTo("2 of 2 queries dropped at nodelocal on node worker-1, never sent on to CoreDNS"
                + " (chaos rule drop-web: injected on purpose, not a real fault)");
        assertThat(r.also()).extracting(f -> f.verdict().code()).contains("chaos");
    }

    @Test
    void nodeAttemptsThatNoFlowBehindCorednsNamesAreLostBetweenTheHops() throws Exception {
        Flow lost = atNode("n3", Outcome.SERVFAIL, new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]), null, null,
                attempt(AttemptOutcome.TIMEOUT), attempt(AttemptOutcome.TIMEOUT));
        Flow reached = atNode("n4", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.TIMEOUT), attempt(AttemptOutcome.ANSWERED));

        Diagnosis.Result r = diagnose(false, lost, reached, behindCoredns("n4"));

        assertThat(r.verdict().verdict().code()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(r.verdict().message()).startsWith("nodelocal on node worker-1 sent 1 queries to CoreDNS (2 attempts timed out)");
    }

    /** NodeLocal forwards over TCP (force_tcp): a drop by CoreDNS (or dnsdist in its place) closes the connection. */
    @Test
    void nodeAttemptsWhoseConnectionFailedAndThatNoFlowBehindCorednsNamesAreLostBetweenTheHops() throws Exception {
        Flow closed = atNode("n16", Outcome.SERVFAIL, new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]), null, null,
                attempt(AttemptOutcome.ERROR), attempt(AttemptOutcome.ERROR), attempt(AttemptOutcome.TIMEOUT));
        Flow reached = atNode("n17", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));

        Diagnosis.Result r = diagnose(false, closed, reached, behindCoredns("n17"));

        assertThat(r.verdict().verdict().code()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(r.verdict().message()).startsWith("nodelocal on node worker-1 sent 1 queries to CoreDNS (1 attempts timed out, "
                + "2 attempts failed (connection closed or refused))");
    }

    /** An attempt that never went out (no free ID, no socket: {@code InFlight.failedToStart}), ID -1. */
    private static Attempt neverSent() {
        return new Attempt("10.96.0.10:53", Transport.TCP, -1, T0, 0, AttemptOutcome.ERROR);
    }

    private static FlowResponse servfail() {
        return new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]);
    }

    @Test
    void attemptsThatNeverWentOutAreNotQueriesSentToCoredns() throws Exception {
        Flow unsent = atNode("n18", Outcome.SERVFAIL, servfail(), null, null, neverSent(), neverSent());
        Flow reached = atNode("n19", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));

        Diagnosis.Result r = diagnose(false, unsent, reached, behindCoredns("n19"));

        assertThat(r.verdict().verdict().code()).isNotEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(r.also()).extracting(f -> f.verdict().code()).doesNotContain("lost_between_nodelocal_and_coredns");

        // Next to one that did go out and timed out, only that one is counted.
        Flow timedOut = atNode("n20", Outcome.SERVFAIL, servfail(), null, null, neverSent(), attempt(AttemptOutcome.TIMEOUT));
        Diagnosis.Result mixed = diagnose(false, timedOut, unsent, reached, behindCoredns("n19"));
        assertThat(mixed.verdict().verdict().code()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(mixed.verdict().message()).startsWith("nodelocal on node worker-1 sent 1 queries to CoreDNS (1 attempts timed out)"
                + " that no dnsflow");
    }

    /** CoreDNS answered the retry from its cache: no flow behind it names the node's flow, yet nothing was lost. */
    @Test
    void aFailedConnectionBeforeAnAnswerIsNotALoss() throws Exception {
        Flow answered = atNode("n21", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ERROR), attempt(AttemptOutcome.ANSWERED));
        Flow reached = atNode("n22", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));

        Diagnosis.Result r = diagnose(false, answered, reached, behindCoredns("n22"));

        assertThat(r.verdict().verdict().code()).isNotEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(r.also()).extracting(f -> f.verdict().code()).doesNotContain("lost_between_nodelocal_and_coredns");

        // A flow whose connections all failed, without an answer, still is.
        Flow closed = atNode("n23", Outcome.SERVFAIL, servfail(), null, null, attempt(AttemptOutcome.ERROR), attempt(AttemptOutcome.ERROR));
        Diagnosis.Result both = diagnose(false, answered, closed, reached, behindCoredns("n22"));
        assertThat(both.verdict().verdict().code()).isEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(both.verdict().message()).startsWith("nodelocal on node worker-1 sent 1 queries to CoreDNS"
                + " (2 attempts failed (connection closed or refused))");
    }

    @Test
    void withoutTheCorednsSideANodeTimeoutIsNotCalledLostBetweenTheHops() throws Exception {
        Flow lost = atNode("n5", Outcome.SERVFAIL, new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]), null, null,
                attempt(AttemptOutcome.TIMEOUT));

        Diagnosis.Result r = diagnose(false, lost);

        assertThat(r.verdict().verdict().code()).isEqualTo("servfail_by_dnsflow");
        assertThat(r.also()).extracting(f -> f.verdict().code()).doesNotContain("lost_between_nodelocal_and_coredns");
    }

    @Test
    void cacheHitsAtTheNodeAreAnsweredFromNodeCache() throws Exception {
        Diagnosis.Result r = diagnose(true, atNode("n6", Outcome.ANSWERED, ok(), null, "hit"),
                atNode("n7", Outcome.ANSWERED, ok(), null, "hit"),
                atNode("n8", Outcome.ANSWERED, ok(), null, "miss", attempt(AttemptOutcome.ANSWERED)), behindCoredns("n8"));

        assertThat(r.verdict().verdict().code()).isEqualTo("answered_from_node_cache");
        assertThat(r.verdict().message()).isEqualTo("2 of 3 queries answered from the node's cache on node worker-1");
        assertThat(TwoHops.cacheResult(atNode("n9", Outcome.ANSWERED, ok(), null, null))).isNull();
    }

    @Test
    void queriesThatGotToCorednsAreLeftToTheOtherVerdicts() throws Exception {
        Diagnosis.Result r = diagnose(true, atNode("n10", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED)),
                behindCoredns("n10"));

        assertThat(r.verdict().verdict().code()).isEqualTo("healthy");
        assertThat(r.also()).isEmpty();
    }

    @Test
    void severalDnsflowsThatAreAllNodelocalOrAFullBatchNeverClaimLostBetweenTheHops() throws Exception {
        Flow lost = atNode("n11", Outcome.SERVFAIL, new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]), null, null,
                attempt(AttemptOutcome.TIMEOUT));
        Flow alsoNode = atNode("n12", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));

        // Read from two dnsflows (--kubernetes), both nodelocal, the whole window: the CoreDNS side was never read.
        Diagnosis.Result nodesOnly = Diagnosis.of(List.of(lost, alsoNode), f -> f == lost ? "kube-system/node-a" : "kube-system/node-b",
                true).get(0);
        assertThat(nodesOnly.verdict().verdict().code()).isNotEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(nodesOnly.also()).extracting(f -> f.verdict().code()).doesNotContain("lost_between_nodelocal_and_coredns");

        // The CoreDNS side answered (another query), but the batch was full: the lost query may be outside it.
        Flow lostToo = atNode("n13", Outcome.SERVFAIL, new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]), null, null,
                attempt(AttemptOutcome.TIMEOUT));
        Flow other = atNode("n14", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));
        List<Flow> read = List.of(lostToo, other, behindCoredns("n14"));
        assertThat(Diagnosis.of(read, f -> null, true).get(0).verdict().verdict().code())
                .isNotEqualTo("lost_between_nodelocal_and_coredns");
        assertThat(Diagnosis.of(read, f -> null, false).get(0).verdict().verdict().code())
                .isEqualTo("lost_between_nodelocal_and_coredns");
    }

    @Test
    void anUpstreamDropAtTheNodeIsNotDroppedAtNodelocalTheQueryWentOn() throws Exception {
        Flow f = atNode("n15", Outcome.CHAOS_UPSTREAM_DROP, null, new ChaosMark("lose-answers", "upstream-drop", 0), null,
                attempt(AttemptOutcome.ANSWERED));

        Diagnosis.Result r = diagnose(false, f);

        assertThat(r.verdict().verdict().code()).isNotEqualTo("dropped_at_nodelocal");
        assertThat(r.also()).extracting(x -> x.verdict().code()).doesNotContain("dropped_at_nodelocal");
    }

    @Test
    void aViaWithoutAFlowIdIsLeftOutNotAFailure() throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(FlowJson.toJson(behindCoredns("n16")));
        ((ObjectNode) json.path("via").path("nodelocal")).remove("flow");

        Flow back = JsonFlows.read(json);

        assertThat(back.get(Via.KEY)).isNull();
        assertThat(back.origin().source()).isEqualTo("nodelocal");
    }

    @Test
    void withBothHopsOnePodQueryCountsOnceAndReplicasAreComparedWithinAHop() throws Exception {
        FlowResponse servfail = new FlowResponse(Rcode.SERVFAIL, 0, 0, false, new byte[0]);
        Flow okAtNode = atNode("n30", Outcome.ANSWERED, ok(), null, null, attempt(AttemptOutcome.ANSWERED));
        Flow okBehind = behindCoredns("n30");
        Flow okBehindRetry = behindCoredns("n30"); // the node's second attempt carries the same flow ID
        Flow failAtNode = atNode("n31", Outcome.ANSWERED, servfail, null, null, attempt(AttemptOutcome.ANSWERED));
        Flow failBehind = flow("c" + seq, Outcome.ANSWERED, servfail, null,
                new Origin("10.244.1.8", 50001, null, "nodelocal", null, null, null, 8),
                Extensions.NONE.with(Via.KEY, new Via("worker-1", "n31")), attempt(AttemptOutcome.ANSWERED));
        java.util.Map<Flow, String> where = new java.util.IdentityHashMap<>();
        where.put(okAtNode, "kube-system/node-a");
        where.put(failAtNode, "kube-system/node-a");
        where.put(okBehind, "kube-system/coredns-a");
        where.put(okBehindRetry, "kube-system/coredns-a");
        where.put(failBehind, "kube-system/coredns-b");

        Diagnosis.Result r = Diagnosis.of(List.of(okAtNode, okBehind, okBehindRetry, failAtNode, failBehind), where::get, false)
                .get(0);

        assertThat(r.counts().flows()).as("two pod queries, not five flows").isEqualTo(2);
        assertThat(r.counts().failed()).isEqualTo(1);
        assertThat(r.verdict().message()).contains("fails only on kube-system/coredns-b (kube-system/coredns-a answered it)")
                .doesNotContain("node-a");
    }
}
