package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The flow's JSON form. Field names are a contract (API, JSON lines, jq scripts): add, never rename.
 * Written field by field with a streaming generator, so the shape is visible in one place; each
 * {@link FlowExtension} a flow carries is written as one more field, after {@code chaos}. The cluster objects
 * behind addresses ({@link K8sNames}) sit with the address they name: {@code client.k8s}, {@code origin.k8s},
 * {@code attempts[].upstream_k8s}.
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
    private record Second(long epochSecond, char[] chars) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, new char[0]);
    /** Room for the longest: {@code +1000000000-12-31T23:59:59.} (Instant's last year), 9 digits and Z. */
    private static final int TIME_LENGTH = 40;

    /** RFC 3339 with nine fraction digits, e.g. {@code 2026-11-25T19:21:17.123456789Z}. */
    public static String time(long epochNanos) {
        char[] out = new char[TIME_LENGTH];
        return new String(out, 0, time(epochNanos, out));
    }

    /** Writes {@link #time(long)} as a string value (for {@link FlowExtension}s), without making a string. */
    public static void writeTime(JsonGenerator g, long epochNanos) throws IOException {
        char[] out = new char[TIME_LENGTH];
        g.writeString(out, 0, time(epochNanos, out));
    }

    /**
     * Reads {@link #time(long)}'s form (any RFC 3339 time) back into nanoseconds since the epoch.
     *
     * @throws IllegalArgumentException naming the text when it is not RFC 3339
     */
    public static long parseTime(String rfc3339) {
        try {
            Instant t = Instant.parse(rfc3339);
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time '" + rfc3339 + "' is not RFC 3339");
        }
    }

    /** Writes {@link #time(long)} into {@code out} ({@value #TIME_LENGTH} chars) without making a string; returns the length. */
    private static int time(long epochNanos, char[] out) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        long nanos = Math.floorMod(epochNanos, 1_000_000_000L);
        Second cached = lastSecond;
        if (cached.epochSecond() != second) {
            String full = RFC3339_NANOS.format(Instant.ofEpochSecond(second));
            cached = new Second(second, full.substring(0, full.indexOf('.') + 1).toCharArray());
            lastSecond = cached;
        }
        char[] prefix = cached.chars();
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        int end = prefix.length + 9;
        for (int i = end - 1; i >= prefix.length; i--) {
            out[i] = (char) ('0' + nanos % 10);
            nanos /= 10;
        }
        out[end] = 'Z';
        return end + 1;
    }

    /**
     * Every key of the flow's JSON, pre-encoded once so writing a key is a byte copy. Named as they
     * appear in the JSON, except the two that are Java keywords.
     */
    private enum Key {
        id, time, client, ip, port, transport, origin, source, pod, namespace, prefix, subnet, query, name, type,
        CLASS("class"), rd, cd, DO("do"), edns_size, size, attempts, upstream, sent, rtt_us, outcome, response, rcode,
        answers, addresses, truncated, chaos, rule, action, delay_us, duration_us, k8s, upstream_k8s, kind, workload, node;

        final SerializedString json;

        Key() {
            this.json = new SerializedString(name());
        }

        Key(String json) {
            this.json = new SerializedString(json);
        }
    }

    public static void write(Flow f, JsonGenerator g) throws IOException {
        char[] scratch = new char[TIME_LENGTH];
        g.writeStartObject();
        string(g, Key.id, f.id());
        time(g, Key.time, f.timeEpochNanos(), scratch);
        g.writeFieldName(Key.client.json);
        g.writeStartObject();
        string(g, Key.ip, f.client().ip());
        number(g, Key.port, f.client().port());
        string(g, Key.transport, f.client().transport().json());
        K8sNames names = f.names();
        if (names != null) {
            writeK8s(Key.k8s, names.client(), g);
        }
        g.writeEndObject();
        if (f.origin() != null) {
            writeOrigin(f.origin(), names == null ? null : names.origin(), g);
        }
        writeQuery(f.query(), g);
        g.writeFieldName(Key.attempts.json);
        g.writeStartArray();
        for (int i = 0; i < f.attempts().size(); i++) {
            Attempt a = f.attempts().get(i);
            g.writeStartObject();
            string(g, Key.upstream, a.upstream());
            string(g, Key.transport, a.transport().json());
            number(g, Key.id, a.id());
            time(g, Key.sent, a.sentEpochNanos(), scratch);
            number(g, Key.rtt_us, a.rttMicros());
            string(g, Key.outcome, a.outcome().json());
            if (names != null) {
                writeK8s(Key.upstream_k8s, names.upstream(i), g);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        if (f.response() != null) {
            FlowResponse r = f.response();
            g.writeFieldName(Key.response.json);
            g.writeStartObject();
            string(g, Key.rcode, Mnemonics.rcode(r.rcode()));
            number(g, Key.answers, r.answers());
            g.writeFieldName(Key.addresses.json);
            g.writeStartArray();
            for (String address : r.addresses()) {
                g.writeString(address);
            }
            g.writeEndArray();
            number(g, Key.size, r.size());
            bool(g, Key.truncated, r.truncated());
            g.writeEndObject();
        }
        if (f.chaos() != null) {
            g.writeFieldName(Key.chaos.json);
            g.writeStartObject();
            string(g, Key.rule, f.chaos().rule());
            string(g, Key.action, f.chaos().action());
            if (f.chaos().delayMicros() > 0) {
                number(g, Key.delay_us, f.chaos().delayMicros());
            }
            g.writeEndObject();
        }
        f.extensions().writeJson(g); // each registered capability's part, in registration order
        number(g, Key.duration_us, f.durationMicros());
        string(g, Key.outcome, f.outcome().json());
        g.writeEndObject();
    }

    /** {@code "k8s": {"kind": "pod", "namespace": …, "name": …, "workload": {"kind": …, "name": …}, "node": …}}; nothing when unknown. */
    private static void writeK8s(Key field, K8sRef ref, JsonGenerator g) throws IOException {
        if (ref == null) {
            return;
        }
        g.writeFieldName(field.json);
        g.writeStartObject();
        string(g, Key.kind, ref.kind());
        if (ref.namespace() != null) {
            string(g, Key.namespace, ref.namespace());
        }
        string(g, Key.name, ref.name());
        if (ref.hasWorkload()) {
            g.writeFieldName(Key.workload.json);
            g.writeStartObject();
            string(g, Key.kind, ref.workloadKind());
            string(g, Key.name, ref.workloadName());
            g.writeEndObject();
        }
        if (ref.node() != null) {
            string(g, Key.node, ref.node());
        }
        g.writeEndObject();
    }

    private static void writeOrigin(Origin o, K8sRef k8s, JsonGenerator g) throws IOException {
        g.writeFieldName(Key.origin.json);
        g.writeStartObject();
        string(g, Key.ip, o.ip());
        if (o.port() > 0) {
            number(g, Key.port, o.port());
        }
        if (o.transport() != null) {
            string(g, Key.transport, o.transport().json());
        }
        string(g, Key.source, o.source());
        if (o.pod() != null) {
            string(g, Key.pod, o.pod());
        }
        if (o.namespace() != null) {
            string(g, Key.namespace, o.namespace());
        }
        if (o.prefix() != null) {
            number(g, Key.prefix, o.prefix());
            bool(g, Key.subnet, o.isSubnet());
        }
        if (o.id() != null) {
            number(g, Key.id, o.id());
        }
        writeK8s(Key.k8s, k8s, g);
        g.writeEndObject();
    }

    private static void writeQuery(QueryInfo q, JsonGenerator g) throws IOException {
        g.writeFieldName(Key.query.json);
        g.writeStartObject();
        number(g, Key.id, q.id());
        if (q.name() != null) {
            string(g, Key.name, q.name());
            string(g, Key.type, Mnemonics.type(q.type()));
            string(g, Key.CLASS, Mnemonics.dclass(q.dclass()));
        }
        bool(g, Key.rd, q.rd());
        bool(g, Key.cd, q.cd());
        bool(g, Key.DO, q.dnssecOk());
        number(g, Key.edns_size, q.ednsSize());
        number(g, Key.size, q.size());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, Key key, String value) throws IOException {
        g.writeFieldName(key.json);
        g.writeString(value);
    }

    private static void number(JsonGenerator g, Key key, long value) throws IOException {
        g.writeFieldName(key.json);
        g.writeNumber(value);
    }

    private static void bool(JsonGenerator g, Key key, boolean value) throws IOException {
        g.writeFieldName(key.json);
        g.writeBoolean(value);
    }

    private static void time(JsonGenerator g, Key key, long epochNanos, char[] scratch) throws IOException {
        g.writeFieldName(key.json);
        g.writeString(scratch, 0, time(epochNanos, scratch));
    }
}
