package dev.dnsflow.handoff;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dnsflow.flow.CompactReader;
import dev.dnsflow.flow.CompactWriter;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowExtension;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.record.FlowEnricher;
import java.nio.charset.StandardCharsets;

/**
 * Marks every flow of a dnsflow that hands off ({@code --hand-off}: the node's hop): {@code "hand_off":{"node":"worker-1"}},
 * with {@code "node_sent":false} when the hand-off left the node name out to keep the query within 512 bytes
 * ({@link HandOffStage}). {@link #sentNode()} is the node as the hop behind CoreDNS read it, so both hops can key
 * on the same text.
 * Every flow, not only those that went upstream: one dropped by chaos or answered from the node's cache never
 * reached the hand-off, and {@code diagnose} must still know it was the node's hop to say {@code dropped_at_nodelocal}
 * or {@code answered_from_node_cache}. Set off the event loops, by an enricher on the recorder's thread.
 */
public record HandOffMark(String node, boolean nodeSent) {
    public static final FlowExtension<HandOffMark> KEY = new FlowExtension<>("hand_off", new Codec());

    /** A flow whose hand-off, if it carried one, carried the node name. */
    public HandOffMark(String node) {
        this(node, true);
    }

    /**
     * The node name as the hand-off sent it and the hop behind CoreDNS reads it ({@link HandOffWire#nodeBytes}:
     * ASCII, at most 63 bytes), or empty when it was left out or there is none.
     */
    public String sentNode() {
        return nodeSent && node != null ? new String(HandOffWire.nodeBytes(node), StandardCharsets.US_ASCII) : "";
    }

    /** Adds {@code mark} to every flow that has none yet (the stage marks one whose hand-off left the node out). */
    static FlowEnricher enricher(HandOffMark mark) {
        return new FlowEnricher() {
            @Override
            public void accept(Flow flow, WireCapture wire, Output out) {
                out.deliver(flow.get(KEY) != null ? flow : flow.with(KEY, mark), wire);
            }

            @Override
            public void tick(long nowEpochNanos, Output out) {
            }

            @Override
            public void flush(Output out) {
            }
        };
    }

    private static final class Codec implements FlowExtension.Codec<HandOffMark> {
        private static final SerializedString NODE = new SerializedString("node");
        private static final SerializedString NODE_SENT = new SerializedString("node_sent");

        @Override
        public void writeJson(HandOffMark m, JsonGenerator g) throws java.io.IOException {
            g.writeStartObject();
            if (m.node() != null) {
                g.writeFieldName(NODE);
                g.writeString(m.node());
            }
            if (!m.nodeSent()) {
                g.writeFieldName(NODE_SENT);
                g.writeBoolean(false);
            }
            g.writeEndObject();
        }

        @Override
        public HandOffMark readJson(JsonNode node) {
            return node.isObject() ? new HandOffMark(node.path("node").isTextual() ? node.path("node").asText() : null,
                    node.path("node_sent").asBoolean(true)) : null;
        }

        @Override
        public void encode(HandOffMark m, CompactWriter out) {
            out.writeNullableString(m.node());
            out.writeByte(m.nodeSent() ? 1 : 0);
        }

        @Override
        public HandOffMark decode(CompactReader in) {
            return new HandOffMark(in.readNullableString(), in.readByte() != 0);
        }
    }
}
