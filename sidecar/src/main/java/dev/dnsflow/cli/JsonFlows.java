package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The API's flow JSON ({@link dev.dnsflow.flow.FlowJson}) read back into a {@link Flow}, so that
 * {@code dnsflow observe} prints exactly the line the demo prints ({@link dev.dnsflow.flow.FlowText}).
 * Every registered {@link dev.dnsflow.flow.FlowExtension} found is read back too. Fields the CLI does not
 * know are ignored; a field it needs but cannot read is an IllegalArgumentException naming it (a dnsflow
 * of another version).
 */
final class JsonFlows {
    private JsonFlows() {
    }

    static Flow read(JsonNode f) {
        JsonNode client = f.path("client");
        JsonNode q = f.path("query");
        String name = q.hasNonNull("name") ? q.get("name").asText() : null;
        QueryInfo query = new QueryInfo(q.path("id").asInt(), name,
                name == null ? 0 : code("query.type", q.path("type").asText(), Type.value(q.path("type").asText())),
                name == null ? 0 : code("query.class", q.path("class").asText(), DClass.value(q.path("class").asText())),
                q.path("rd").asBoolean(), q.path("cd").asBoolean(), q.path("do").asBoolean(), q.path("edns_size").asInt(),
                q.path("size").asInt());
        List<Attempt> attempts = new ArrayList<>();
        List<K8sRef> upstreamNames = new ArrayList<>();
        for (JsonNode a : f.path("attempts")) {
            upstreamNames.add(k8s("attempts[].upstream_k8s", a.get("upstream_k8s")));
            attempts.add(new Attempt(a.path("upstream").asText(), transport(a.path("transport").asText()), a.path("id").asInt(),
                    nanos(a.path("sent").asText()), a.path("rtt_us").asLong(),
                    enumValue(AttemptOutcome.class, "attempts[].outcome", a.path("outcome").asText())));
        }
        FlowResponse response = null;
        JsonNode r = f.get("response");
        if (r != null && r.isObject()) {
            String rcode = r.path("rcode").asText();
            response = new FlowResponse(code("response.rcode", rcode, Rcode.value(rcode)), r.path("answers").asInt(),
                    r.path("size").asInt(), r.path("truncated").asBoolean(), addresses(r.path("addresses")));
        }
        return new Flow(f.path("id").asText(), nanos(f.path("time").asText()),
                new Endpoint(client.path("ip").asText(), client.path("port").asInt(), transport(client.path("transport").asText())),
                query, attempts, response, f.path("duration_us").asLong(),
                enumValue(Outcome.class, "outcome", f.path("outcome").asText()), chaos(f.get("chaos")), origin(f.get("origin")),
                names(new K8sNames(k8s("origin.k8s", f.path("origin").get("k8s")), k8s("client.k8s", client.get("k8s")),
                        upstreamNames)), Extensions.readJson(f));
    }

    /** As {@link Flow#withNames}: nothing known is no names. */
    private static K8sNames names(K8sNames names) {
        return names.isEmpty() ? null : names;
    }

    /** FlowJson's {@code k8s} object, or null when absent. */
    private static K8sRef k8s(String field, JsonNode k) {
        if (k == null || !k.isObject()) {
            return null;
        }
        JsonNode w = k.path("workload");
        try {
            return new K8sRef(text(k, "kind"), text(k, "namespace"), text(k, "name"), text(w, "kind"), text(w, "name"),
                    text(k, "node"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Origin origin(JsonNode o) {
        if (o == null || !o.isObject()) {
            return null;
        }
        return new dev.dnsflow.flow.Origin(o.path("ip").asText(), o.path("port").asInt(),
                o.hasNonNull("transport") ? transport(o.path("transport").asText()) : null, o.path("source").asText(),
                o.hasNonNull("pod") ? o.path("pod").asText() : null, o.hasNonNull("namespace") ? o.path("namespace").asText() : null,
                o.hasNonNull("prefix") ? o.path("prefix").asInt() : null, o.hasNonNull("id") ? o.path("id").asInt() : null);
    }

    private static ChaosMark chaos(JsonNode c) {
        return c == null || !c.isObject() ? null
                : new ChaosMark(c.path("rule").asText(), c.path("action").asText(), c.path("delay_us").asLong());
    }

    private static long nanos(String rfc3339) {
        return FlowJson.parseTime(rfc3339);
    }

    private static Transport transport(String json) {
        return enumValue(Transport.class, "transport", json);
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String field, String json) {
        try {
            return Enum.valueOf(type, json.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " '" + json + "' is unknown to this dnsflow observe");
        }
    }

    private static int code(String field, String text, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " '" + text + "' is unknown to this dnsflow observe");
        }
        return value;
    }

    /** FlowResponse's raw form: a length byte, then the 4 or 16 address bytes, per address. */
    private static byte[] addresses(JsonNode list) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (JsonNode a : list) {
            String text = a.asText();
            if (!text.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("response.addresses '" + text + "' is not an IP address");
            }
            try {
                byte[] bytes = InetAddress.getByName(text).getAddress(); // a literal: no lookup
                raw.write(bytes.length);
                raw.writeBytes(bytes);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("response.addresses '" + text + "' is not an IP address");
            }
        }
        return raw.toByteArray();
    }
}
