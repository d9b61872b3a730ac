package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.HandOffWire;
import dev.dnsflow.handoff.Via;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
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
    void theNodeKeysOnItsNameAsTheHandOffSentItWhenTheFullNameIsLongerOrNotAscii() {
        String node = "wörker-" + "x".repeat(63); // 70 characters; the wire carries 63 ASCII bytes
        Flow atNode = Flows.answered("01NODEFLOW").with(HandOffMark.KEY, new HandOffMark(node));
        Flow behind = Flows.answered("01OTHERFLOW").with(Via.KEY, readBack(HandOffWire.nodeBytes(node), "01NODEFLOW"));

        assertThat(behind.get(Via.KEY).node()).hasSize(HandOffWire.MAX_NODE);
        assertThat(TraceIds.traceId(behind)).isEqualTo(TraceIds.traceId(atNode));
    }

    @Test
    void aNodeNameWithSpacesOrControlCharactersStillLinksBothHops() {
        String node = "my node\t1"; // --node-name is free text; the reader refuses a hand-off with such bytes
        Flow atNode = Flows.answered("01NODEFLOW").with(HandOffMark.KEY, new HandOffMark(node));
        Flow behind = Flows.answered("01OTHERFLOW").with(Via.KEY, readBack(HandOffWire.nodeBytes(node), "01NODEFLOW"));

        assertThat(behind.get(Via.KEY).node()).isEqualTo("my?node?1");
        assertThat(TraceIds.traceId(behind)).isEqualTo(TraceIds.traceId(atNode));
    }

    @Test
    void aHandOffThatLeftTheNodeOutKeysBothHopsOnNoName() {
        Flow atNode = Flows.answered("01NODEFLOW").with(HandOffMark.KEY, new HandOffMark("worker-1", false));
        Flow behind = Flows.answered("01OTHERFLOW").with(Via.KEY, readBack(new byte[0], "01NODEFLOW"));

        assertThat(behind.get(Via.KEY).node()).isNull();
        assertThat(TraceIds.traceId(behind)).isEqualTo(TraceIds.traceId(atNode));
    }

    /** The hop behind CoreDNS's Via, from the hand-off's options as {@link HandOffWire.Reader} reads them. */
    private static Via readBack(byte[] node, String flowId) {
        HandOffCodes codes = HandOffCodes.DEFAULT;
        HandOffWire.Reader reader = new HandOffWire.Reader(codes);
        ByteBuf ip = Unpooled.wrappedBuffer(new byte[] {10, 0, 0, 9});
        ByteBuf flow = Unpooled.copiedBuffer(flowId, StandardCharsets.US_ASCII);
        ByteBuf name = Unpooled.wrappedBuffer(node);
        reader.read(ip, codes.clientIp(), 0, 4);
        reader.read(flow, codes.flow(), 0, flow.readableBytes());
        reader.read(name, codes.node(), 0, node.length);
        HandOffWire.HandOff h = reader.result();
        return new Via(h.node(), h.flow());
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
