package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TraceIdsTest {
    @Test
    void theNodesFlowAndTheFlowItHandedOnHaveOneTraceId() {
        Flow atNode = Flows.answered("01NODEFLOW").with(HandOffMark.KEY, new HandOffMark("worker-1"));
        Flow behind = Flows.answered("01OTHERFLOW").with(Via.KEY, new Via("worker-1", "01NODEFLOW", "10.0.0.4", 38000));

        assertThat(TraceIds.traceId(behind)).isEqualTo(TraceIds.traceId(atNode));
        assertThat(TraceIds.traceId(Flows.answered("01OTHERFLOW").with(Via.KEY, new Via("worker-2", "01NODEFLOW"))))
                .as("another node's flow of the same ID").isNotEqualTo(TraceIds.traceId(atNode));
    }

    @Test
    void withoutAHandOffThePodsQueryDecidesCaseInsensitivelyWithinOneSecond() {
        Flow a = Flows.answered("A");
        Flow sameQueryOtherFlowId = new Flow("B", a.timeEpochNanos() + 1000, a.client(), Flows.query("EXAMPLE.com."),
                a.attempts(), a.response(), a.durationMicros(), a.outcome());
        Flow otherId = new Flow("C", a.timeEpochNanos(), a.client(), new dev.dnsflow.flow.QueryInfo(4243, "example.com.",
                1, 1, true, false, false, 0, 29), a.attempts(), a.response(), a.durationMicros(), a.outcome());

        assertThat(TraceIds.traceId(sameQueryOtherFlowId)).isEqualTo(TraceIds.traceId(a));
        assertThat(TraceIds.traceId(otherId)).isNotEqualTo(TraceIds.traceId(a));
    }

    @Test
    void aJoinedFlowUsesThePodAndCorednssReceiptTime() {
        Flow joined = Flows.joined("J");
        Flow corednsOnly = Flows.corednsDropped("K");
        Origin pod = joined.origin();

        assertThat(TraceIds.traceKey(joined)).startsWith("pod\0" + pod.ip() + "\0" + pod.port() + "\0" + pod.id() + "\0");
        assertThat(TraceIds.traceKey(joined)).endsWith("\0" + Math.floorDiv(joined.get(CorednsSide.KEY).receivedEpochNanos(),
                TraceIds.BUCKET_NANOS));
        assertThat(TraceIds.traceKey(corednsOnly)).isEqualTo(String.join("\0", "pod", "10.1.2.3", "51000", "9",
                "svc.ns.svc.cluster.local.", "1", Long.toString(Math.floorDiv(Flows.T0, TraceIds.BUCKET_NANOS))));
    }

    @Test
    void spanIdsAreStableAndDistinctPerRoleAndAttempt() {
        assertThat(TraceIds.spanId("F", "server", 0)).isEqualTo(TraceIds.spanId("F", "server", 0));
        assertThat(IntStream.range(0, 100).mapToLong(i -> TraceIds.spanId("F", "attempt", i)).distinct().count()).isEqualTo(100);
        assertThat(TraceIds.spanId("F", "server", 0)).isNotEqualTo(TraceIds.spanId("F", "coredns", 0));
    }

    @Test
    void theSampleRatioPicksByTheTraceIdAlone() {
        Sampling half = new Sampling(0.5, 100_000);
        long kept = IntStream.range(0, 10_000).filter(i -> half.byTraceId(TraceIds.traceId(Flows.answered("F" + i)
                .with(HandOffMark.KEY, new HandOffMark("n")))[1])).count();

        assertThat(kept).isBetween(4_700L, 5_300L);
        assertThat(new Sampling(0.0, 0).byTraceId(0)).isFalse();
        assertThat(new Sampling(1.0, 0).byTraceId(-1)).isTrue();
    }
}
