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

/**
 * Marks every flow of a dnsflow that hands off ({@code --hand-off}: the node's hop): {@code "hand_off":{"node":"worker-1"}}.
 * Every flow, not only those that went upstream: one dropped by chaos or answered from the node's cache never
 * reached the hand-off, and {@code diagnose} must still know it was the node's hop to say {@code dropped_at_nodelocal}
 * or {@code answered_from_node_cache}. Set off the event loops, by an enricher on the recorder's thread.
 */
public record HandOffMark(String node) {
    public static final FlowExtension<HandOffMark> KEY = new FlowExtension<>("hand_off", new Codec());

    /** Adds {@code mark} to every flow. */
    static FlowEnricher enricher(HandOffMark mark) {
        return new FlowEnricher() {
            @Override
            public void accept(Flow flow, WireCapture wire, Output out) {
                out.deliver(flow.with(KEY, mark), wire);
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

        @Override
        public void writeJson(HandOffMark m, JsonGenerator g) throws java.io.IOException {
            g.writeStartObject();
            if (m.node() != null) {
                g.writeFieldName(NODE);
                g.writeString(m.node());
            }
            g.writeEndObject();
        }

        @Override
        public HandOffMark readJson(JsonNode node) {
            return node.isObject() ? new HandOffMark(node.path("node").isTextual() ? node.path("node").asText() : null) : null;
        }

        @Override
        public void encode(HandOffMark m, CompactWriter out) {
            out.writeNullableString(m.node());
        }

        @Override
        public HandOffMark decode(CompactReader in) {
            return new HandOffMark(in.readNullableString());
        }
    }
}
