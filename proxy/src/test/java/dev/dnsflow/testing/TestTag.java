package dev.dnsflow.testing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dnsflow.flow.CompactReader;
import dev.dnsflow.flow.CompactWriter;
import dev.dnsflow.flow.FlowExtension;
import java.io.IOException;

/**
 * A flow extension that exists only in tests, registered here and nowhere else: it shows that a capability adds
 * its part of a flow (JSON, the CLI's reader, the ring) without a change to Flow, FlowJson, JsonFlows or FlowCodec.
 * {@code "test_tag":{"label":…,"count":…,"pod":…}}, {@code pod} only when known.
 */
public record TestTag(String label, long count, Integer pod) {

    public static final FlowExtension<TestTag> KEY = FlowExtension.register(new FlowExtension<>("test_tag",
            new FlowExtension.Codec<>() {
                @Override
                public void writeJson(TestTag t, JsonGenerator g) throws IOException {
                    g.writeStartObject();
                    g.writeStringField("label", t.label());
                    g.writeNumberField("count", t.count());
                    if (t.pod() != null) {
                        g.writeNumberField("pod", t.pod());
                    }
                    g.writeEndObject();
                }

                @Override
                public TestTag readJson(JsonNode node) {
                    if (!node.isObject() || !node.path("label").isTextual()) {
                        throw new IllegalArgumentException("test_tag.label is missing");
                    }
                    return new TestTag(node.get("label").asText(), node.path("count").asLong(),
                            node.hasNonNull("pod") ? node.get("pod").asInt() : null);
                }

                @Override
                public void encode(TestTag t, CompactWriter out) {
                    out.writeString(t.label());
                    out.writeSigned(t.count());
                    out.writeNullableInt(t.pod());
                }

                @Override
                public TestTag decode(CompactReader in) {
                    return new TestTag(in.readString(), in.readSigned(), in.readNullableInt());
                }
            }));
}
