package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.xbill.DNS.Rcode;

/**
 * What CoreDNS's own dnstap said about the query (the sidecar joins it in): when CoreDNS received the
 * pod's query and answered it, with which rcode, how long it took there, and whether it forwarded it
 * to dnsflow at all. {@code responded} is 0 and {@code rcode} -1 when CoreDNS never answered.
 * A flow's {@link #KEY} extension: {@code "coredns":{"received":…,"responded":…,"rcode":…,"duration_us":…,"forwarded":…}},
 * the last three only when CoreDNS answered.
 */
public record CorednsSide(long receivedEpochNanos, long respondedEpochNanos, int rcode, long durationMicros,
                          boolean forwarded) {

    public static final FlowExtension<CorednsSide> KEY = new FlowExtension<>("coredns", new Codec());

    private static final class Codec implements FlowExtension.Codec<CorednsSide> {
        private static final SerializedString RECEIVED = new SerializedString("received");
        private static final SerializedString RESPONDED = new SerializedString("responded");
        private static final SerializedString RCODE = new SerializedString("rcode");
        private static final SerializedString DURATION = new SerializedString("duration_us");
        private static final SerializedString FORWARDED = new SerializedString("forwarded");

        @Override
        public void writeJson(CorednsSide c, JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeFieldName(RECEIVED);
            FlowJson.writeTime(g, c.receivedEpochNanos());
            if (c.respondedEpochNanos() > 0) {
                g.writeFieldName(RESPONDED);
                FlowJson.writeTime(g, c.respondedEpochNanos());
                g.writeFieldName(RCODE);
                g.writeString(Mnemonics.rcode(c.rcode()));
                g.writeFieldName(DURATION);
                g.writeNumber(c.durationMicros());
            }
            g.writeFieldName(FORWARDED);
            g.writeBoolean(c.forwarded());
            g.writeEndObject();
        }

        @Override
        public CorednsSide readJson(JsonNode c) {
            if (!c.isObject()) {
                return null;
            }
            String rcode = c.path("rcode").asText("");
            return new CorednsSide(FlowJson.parseTime(c.path("received").asText()),
                    c.hasNonNull("responded") ? FlowJson.parseTime(c.path("responded").asText()) : 0,
                    rcode.isEmpty() ? -1 : Rcode.value(rcode), c.path("duration_us").asLong(), c.path("forwarded").asBoolean());
        }

        @Override
        public void encode(CorednsSide c, CompactWriter w) {
            w.writeFixedLong(c.receivedEpochNanos());
            w.writeSigned(c.respondedEpochNanos());
            w.writeVarint(c.rcode());
            w.writeSigned(c.durationMicros());
            w.writeByte(c.forwarded() ? 1 : 0);
        }

        @Override
        public CorednsSide decode(CompactReader r) {
            return new CorednsSide(r.readFixedLong(), r.readSigned(), r.readVarint(), r.readSigned(), r.readByte() != 0);
        }
    }
}
