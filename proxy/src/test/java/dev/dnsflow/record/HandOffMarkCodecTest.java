package dev.dnsflow.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.testing.Flows;
import org.junit.jupiter.api.Test;

/** The hand-off mark's node_sent survives the ring, and the flow log says it only when the node was left out. */
class HandOffMarkCodecTest {
    private static Flow roundTrip(Flow flow) {
        ByteWriter w = new ByteWriter();
        FlowCodec.encode(flow, w);
        return FlowCodec.decode(new ByteReader(w.array(), w.length()));
    }

    @Test
    void nodeSentRoundTripsAndIsWrittenOnlyWhenFalse() {
        Flow sent = Flows.sample().with(HandOffMark.KEY, new HandOffMark("worker-1"));
        Flow leftOut = Flows.sample().with(HandOffMark.KEY, new HandOffMark("worker-1", false));

        assertThat(roundTrip(sent).get(HandOffMark.KEY)).isEqualTo(new HandOffMark("worker-1", true));
        assertThat(roundTrip(leftOut).get(HandOffMark.KEY)).isEqualTo(new HandOffMark("worker-1", false));
        assertThat(FlowJson.toJson(sent)).contains("\"hand_off\":{\"node\":\"worker-1\"}");
        assertThat(FlowJson.toJson(leftOut)).contains("\"hand_off\":{\"node\":\"worker-1\",\"node_sent\":false}");
        assertThat(leftOut.get(HandOffMark.KEY).sentNode()).isEmpty();
        assertThat(new HandOffMark("w\u00f6rker-" + "x".repeat(63)).sentNode()).isEqualTo("w?rker-" + "x".repeat(56));
    }
}
