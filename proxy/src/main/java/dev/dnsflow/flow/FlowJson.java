package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The flow's JSON form. Field names are a contract (API, JSON lines, jq scripts): add, never rename.
 * Written field by field with a streaming generator, so the shape is visible in one place.
 */
public final class FlowJson {
    public static final JsonFactory FACTORY = new JsonFactory();
    private static final DateTimeFormatter RFC3339_NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

    private FlowJson() {
    }

    public static String toJson(Flow flow) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(flow, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The second last formatted: flows arrive in bursts within one second, so the date part is reused. */
    private record Second(long epochSecond, String prefix) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /** RFC 3339 with nine fraction digits, e.g. {@code 2026-11-25T19:21:17.123456789Z}. */
    public static String time(long epochNanos) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        long nanos = Math.floorMod(epochNanos, 1_000_000_000L);
        Second cached = lastSecond;
        if (cached.epochSecond() != second) {
            String full = RFC3339_NANOS.format(Instant.ofEpochSecond(second));
            cached = new Second(second, full.substring(0, full.indexOf('.') + 1));
            lastSecond = cached;
        }
        StringBuilder sb = new StringBuilder(cached.prefix().length() + 10).append(cached.prefix());
        String digits = Long.toString(nanos);
        for (int i = digits.length(); i < 9; i++) {
            sb.append('0');
        }
        return sb.append(digits).append('Z').toString();
    }

    public static void write(Flow f, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", f.id());
        g.writeStringField("time", time(f.timeEpochNanos()));
        g.writeObjectFieldStart("client");
        g.writeStringField("ip", f.client().ip());
        g.writeNumberField("port", f.client().port());
        g.writeStringField("transport", f.client().transport().json());
        g.writeEndObject();
        if (f.origin() != null) {
            writeOrigin(f.origin(), g);
        }
        writeQuery(f.query(), g);
        g.writeArrayFieldStart("attempts");
        for (Attempt a : f.attempts()) {
            g.writeStartObject();
            g.writeStringField("upstream", a.upstream());
            g.writeStringField("transport", a.transport().json());
            g.writeNumberField("id", a.id());
            g.writeStringField("sent", time(a.sentEpochNanos()));
            g.writeNumberField("rtt_us", a.rttMicros());
            g.writeStringField("outcome", a.outcome().json());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (f.response() != null) {
            FlowResponse r = f.response();
            g.writeObjectFieldStart("response");
            g.writeStringField("rcode", Rcode.string(r.rcode()));
            g.writeNumberField("answers", r.answers());
            g.writeArrayFieldStart("addresses");
            for (String address : r.addresses()) {
                g.writeString(address);
            }
            g.writeEndArray();
            g.writeNumberField("size", r.size());
            g.writeBooleanField("truncated", r.truncated());
            g.writeEndObject();
        }
        if (f.chaos() != null) {
            g.writeObjectFieldStart("chaos");
            g.writeStringField("rule", f.chaos().rule());
            g.writeStringField("action", f.chaos().action());
            if (f.chaos().delayMicros() > 0) {
                g.writeNumberField("delay_us", f.chaos().delayMicros());
            }
            g.writeEndObject();
        }
        if (f.coredns() != null) {
            writeCoredns(f.coredns(), g);
        }
        g.writeNumberField("duration_us", f.durationMicros());
        g.writeStringField("outcome", f.outcome().json());
        g.writeEndObject();
    }

    private static void writeOrigin(Origin o, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("origin");
        g.writeStringField("ip", o.ip());
        if (o.port() > 0) {
            g.writeNumberField("port", o.port());
        }
        if (o.transport() != null) {
            g.writeStringField("transport", o.transport().json());
        }
        g.writeStringField("source", o.source());
        if (o.pod() != null) {
            g.writeStringField("pod", o.pod());
        }
        if (o.namespace() != null) {
            g.writeStringField("namespace", o.namespace());
        }
        if (o.prefix() != null) {
            g.writeNumberField("prefix", o.prefix());
            g.writeBooleanField("subnet", o.isSubnet());
        }
        if (o.id() != null) {
            g.writeNumberField("id", o.id());
        }
        g.writeEndObject();
    }

    private static void writeCoredns(CorednsSide c, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("coredns");
        g.writeStringField("received", time(c.receivedEpochNanos()));
        if (c.respondedEpochNanos() > 0) {
            g.writeStringField("responded", time(c.respondedEpochNanos()));
            g.writeStringField("rcode", Rcode.string(c.rcode()));
            g.writeNumberField("duration_us", c.durationMicros());
        }
        g.writeBooleanField("forwarded", c.forwarded());
        g.writeEndObject();
    }

    private static void writeQuery(QueryInfo q, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("query");
        g.writeNumberField("id", q.id());
        if (q.name() != null) {
            g.writeStringField("name", q.name());
            g.writeStringField("type", Type.string(q.type()));
            g.writeStringField("class", DClass.string(q.dclass()));
        }
        g.writeBooleanField("rd", q.rd());
        g.writeBooleanField("cd", q.cd());
        g.writeBooleanField("do", q.dnssecOk());
        g.writeNumberField("edns_size", q.ednsSize());
        g.writeNumberField("size", q.size());
        g.writeEndObject();
    }
}
