package dev.dnsflow.handoff;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dnsflow.flow.CompactReader;
import dev.dnsflow.flow.CompactWriter;
import dev.dnsflow.flow.FlowExtension;
import java.io.IOException;
import java.util.List;

/**
 * The hop a query came through before it reached this dnsflow, from the hand-off: the node's dnsflow
 * (nodelocal) on {@code node} recorded it as flow {@code flow}. A flow's {@link #KEY} extension:
 * {@code "via":{"nodelocal":{"node":"worker-1","flow":"01J…"}}} ({@code node} left out when not sent).
 * {@code diagnose} joins the two hops by {@code flow}.
 */
public record Via(String node, String flow) {
    public static final FlowExtension<Via> KEY = new FlowExtension<>("via", new Codec());

    /** Lists the hand-off's keys ({@link #KEY}, {@link HandOffMark#KEY}) for {@link java.util.ServiceLoader}. */
    public static final class Extensions implements FlowExtension.Provider {
        @Override
        public List<FlowExtension<?>> extensions() {
            return List.of(KEY, HandOffMark.KEY);
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    private static final class Codec implements FlowExtension.Codec<Via> {
        private static final SerializedString NODELOCAL = new SerializedString("nodelocal");
        private static final SerializedString NODE = new SerializedString("node");
        private static final SerializedString FLOW = new SerializedString("flow");

        @Override
        public void writeJson(Via v, JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeFieldName(NODELOCAL);
            g.writeStartObject();
            if (v.node() != null) {
                g.writeFieldName(NODE);
                g.writeString(v.node());
            }
            g.writeFieldName(FLOW);
            g.writeString(v.flow());
            g.writeEndObject();
            g.writeEndObject();
        }

        @Override
        public Via readJson(JsonNode node) {
            JsonNode n = node.path("nodelocal");
            if (!n.isObject()) {
                return null;
            }
            if (!n.path("flow").isTextual()) {
                // One bad flow must not fail a whole diagnose: this flow just is not linked to the node's.
                if (WARNED.compareAndSet(false, true)) {
                    System.getLogger(Via.class.getName()).log(System.Logger.Level.WARNING,
                            "via.nodelocal without a flow ID: left out of that flow (and of any other such flow)");
                }
                return null;
            }
            return new Via(n.path("node").isTextual() ? n.path("node").asText() : null, n.path("flow").asText());
        }

        @Override
        public void encode(Via v, CompactWriter out) {
            out.writeNullableString(v.node());
            out.writeString(v.flow());
        }

        @Override
        public Via decode(CompactReader in) {
            return new Via(in.readNullableString(), in.readString());
        }
    }
}
