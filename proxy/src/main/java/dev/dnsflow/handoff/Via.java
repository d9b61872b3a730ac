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
 * {@code "via":{"nodelocal":{"node":"worker-1","flow":"01J…","addr":"10.0.0.4","port":38000}}} ({@code node} left
 * out when not sent). {@code addr} and {@code port} are the node's dnsflow as CoreDNS saw its client (from
 * {@code rewrite … {client_ip}} and {@code {client_port}}, or a PROXY v2 header; left out when unknown, port 0
 * when only the address is): the sidecar joins by them. {@code diagnose} joins the two hops by {@code flow}.
 */
public record Via(String node, String flow, String addr, int port) {
    public static final FlowExtension<Via> KEY = new FlowExtension<>("via", new Codec());

    public Via(String node, String flow) {
        this(node, flow, null, 0);
    }

    /** The same, with the delivering hop's address and port (null and 0 when unknown). */
    public Via withHop(String hopAddr, int hopPort) {
        return new Via(node, flow, hopAddr, hopAddr == null ? 0 : hopPort);
    }

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
        private static final SerializedString ADDR = new SerializedString("addr");
        private static final SerializedString PORT = new SerializedString("port");

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
            if (v.addr() != null) {
                g.writeFieldName(ADDR);
                g.writeString(v.addr());
                if (v.port() > 0) {
                    g.writeFieldName(PORT);
                    g.writeNumber(v.port());
                }
            }
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
            String addr = n.path("addr").isTextual() ? n.path("addr").asText() : null;
            int port = n.path("port").canConvertToInt() ? n.path("port").asInt() : 0;
            return new Via(n.path("node").isTextual() ? n.path("node").asText() : null, n.path("flow").asText(), addr,
                    addr != null && port > 0 && port <= 65535 ? port : 0);
        }

        @Override
        public void encode(Via v, CompactWriter out) {
            out.writeNullableString(v.node());
            out.writeString(v.flow());
            out.writeNullableString(v.addr());
            out.writeVarint(v.port());
        }

        @Override
        public Via decode(CompactReader in) {
            return new Via(in.readNullableString(), in.readString(), in.readNullableString(), in.readVarint());
        }
    }
}
