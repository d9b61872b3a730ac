package dev.dnsflow.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dnsflow.util.Cidr;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Durations;
import dev.dnsflow.util.NamePattern;
import dev.dnsflow.util.Ranges;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Turns the one rule shape (YAML file, API JSON, or the flag's {@code ACTION key=value ...}) into a
 * {@link ChaosRule}. Every problem is a {@link RuleException} naming the field, so "rules[2] (line 9):
 * delay: '2 seconds' is not a duration" tells the user exactly what to fix.
 */
final class RuleParser {
    private static final Set<String> FIELDS = Set.of("name", "match", "every", "probability", "action", "delay", "jitter",
            "rcode", "for", "include-probes", "include_probes");
    private static final Set<String> MATCH_FIELDS = Set.of("name", "type", "client", "transport");
    /** A delay (or jitter) longer than this is no longer a slow answer: every DNS client has given up. */
    private static final Duration MAX_DELAY = Duration.ofMinutes(1);
    /** Rules expire within a month at the latest, so a forgotten experiment ends by itself. */
    private static final Duration MAX_FOR = Duration.ofDays(30);

    private RuleParser() {
    }

    /** A rule object; {@code where} prefixes messages (e.g. "rules[2] (line 9)"). */
    static ChaosRule fromJson(JsonNode node, String where, String fallbackName, String source, Instant now) {
        if (node == null || !node.isObject()) {
            throw new RuleException(where + ": a rule must be an object with at least 'action'");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new RuleException(where + ": unknown field '" + field + "' (" + String.join(", ", FIELDS.stream()
                        .filter(f -> !f.equals("include_probes")).sorted().toList()) + ")");
            }
        }
        String name = text(node, "name", where);
        if (name == null) {
            name = fallbackName;
        }
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new RuleException(where + ": name: '" + name + "' must be 1-63 letters, digits, '.', '_' or '-'");
        }
        String actionText = text(node, "action", where);
        if (actionText == null) {
            throw new RuleException(where + ": action: missing (drop, delay, delay-response, rcode, truncate, upstream-drop)");
        }
        ChaosAction action = field(where, "action", () -> ChaosAction.parse(actionText));

        NamePattern match = null;
        Set<Integer> types = null;
        Cidr client = null;
        Transport transport = null;
        JsonNode m = node.get("match");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw new RuleException(where + ": match: must be an object like {name: example.com, type: A}");
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext();) {
                String field = it.next();
                if (!MATCH_FIELDS.contains(field)) {
                    throw new RuleException(where + ": match: unknown field '" + field + "' (client, name, transport, type)");
                }
            }
            String n = text(m, "name", where);
            match = n == null ? null : field(where, "match.name", () -> NamePattern.parse(n));
            String t = text(m, "type", where);
            types = t == null ? null : field(where, "match.type", () -> types(t));
            String c = text(m, "client", where);
            client = c == null ? null : field(where, "match.client", () -> Cidr.parse(c));
            String tr = text(m, "transport", where);
            transport = tr == null ? null : field(where, "match.transport", () -> transport(tr));
        }

        long every = 0;
        double probability = -1;
        if (node.hasNonNull("every")) {
            JsonNode e = node.get("every");
            every = field(where, "every", () -> {
                String t = e.asText().trim(); // 2.5 as a number or as a string, never rounded down to 2
                if (e.isNumber() && !e.isIntegralNumber() || !t.matches("\\d{1,18}") || Long.parseLong(t) < 1) {
                    throw new IllegalArgumentException("must be a whole number of at least 1, got '" + t + "'");
                }
                return Long.parseLong(t);
            });
        }
        if (node.hasNonNull("probability")) {
            if (every > 0) {
                throw new RuleException(where + ": probability: give either every or probability, not both");
            }
            JsonNode p = node.get("probability");
            probability = field(where, "probability", () -> {
                double v = p.isNumber() ? p.asDouble() : Double.parseDouble(p.asText().trim());
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException("must be between 0 and 1");
                }
                return v;
            });
        }

        Duration delay = duration(node, "delay", where, Duration.ZERO, MAX_DELAY);
        Duration jitter = duration(node, "jitter", where, Duration.ZERO, MAX_DELAY);
        boolean delays = action == ChaosAction.DELAY || action == ChaosAction.DELAY_RESPONSE;
        if (delays && delay == null) {
            throw new RuleException(where + ": delay: missing (the " + action.text() + " action needs e.g. delay: 200ms)");
        }
        if (!delays && (delay != null || jitter != null)) {
            throw new RuleException(where + ": delay: only the delay and delay-response actions take a delay");
        }
        int rcode = -1;
        String rc = text(node, "rcode", where);
        if (action == ChaosAction.RCODE) {
            if (rc == null) {
                throw new RuleException(where + ": rcode: missing (the rcode action needs e.g. rcode: SERVFAIL)");
            }
            rcode = field(where, "rcode", () -> {
                int v = Rcode.value(rc.toUpperCase(Locale.ROOT));
                if (v < 0 || v > 15) {
                    throw new IllegalArgumentException("unknown rcode '" + rc + "' (SERVFAIL, NXDOMAIN, REFUSED, ...)");
                }
                return v;
            });
        } else if (rc != null) {
            throw new RuleException(where + ": rcode: only the rcode action takes an rcode");
        }
        Duration lifetime = duration(node, "for", where, Duration.ofMillis(1), MAX_FOR);
        JsonNode probes = node.has("include-probes") ? node.get("include-probes") : node.get("include_probes");
        if (probes != null && !probes.isBoolean()) {
            throw new RuleException(where + ": include-probes: must be true or false");
        }
        return new ChaosRule(name, match, types, client, transport, every, probability, action, delay, jitter, rcode,
                lifetime == null ? null : now.plus(lifetime), probes != null && probes.asBoolean(), source, new AtomicLong());
    }

    /**
     * The flag form: {@code ACTION key=value ...}, e.g. {@code drop name=*.w.example.com every=2}; keys are
     * the match fields plus every, probability, delay, jitter, rcode, for, include-probes and rule (the name).
     */
    static ChaosRule fromFlag(String text, String fallbackName, Instant now) {
        String[] words = text.trim().split("\\s+");
        String where = "--chaos-rule '" + text.trim() + "'";
        if (words.length == 0 || words[0].isEmpty()) {
            throw new RuleException(where + ": empty (example: 'drop name=example.com every=2')");
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ObjectNode match = node.putObject("match");
        node.put("action", words[0]);
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new RuleException(where + ": '" + words[i] + "' is not key=value");
            }
            String key = words[i].substring(0, eq);
            String value = words[i].substring(eq + 1);
            if (MATCH_FIELDS.contains(key)) {
                match.put(key, value);
            } else if (key.equals("rule")) {
                node.put("name", value);
            } else if (key.equals("include-probes")) {
                node.put(key, Boolean.parseBoolean(value));
            } else if (FIELDS.contains(key) && !key.equals("match") && !key.equals("name") && !key.equals("action")) {
                node.put(key, value);
            } else {
                throw new RuleException(where + ": unknown key '" + key
                        + "' (name, type, client, transport, every, probability, delay, jitter, rcode, for, include-probes, rule)");
            }
        }
        return fromJson(node, where, fallbackName, "flag", now);
    }

    private static Set<Integer> types(String text) {
        Set<Integer> out = new HashSet<>();
        for (String t : text.split(",")) {
            int v = Type.value(t.trim().toUpperCase(Locale.ROOT));
            if (v < 0) {
                throw new IllegalArgumentException("unknown type '" + t.trim() + "'");
            }
            out.add(v);
        }
        return Set.copyOf(out);
    }

    private static Transport transport(String text) {
        for (Transport t : Transport.values()) {
            if (t.json().equalsIgnoreCase(text.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("'" + text + "' must be udp or tcp");
    }

    private static Duration duration(JsonNode node, String field, String where, Duration min, Duration max) {
        String text = text(node, field, where);
        return text == null ? null : field(where, field, () -> Ranges.within(text, Durations::parse, min, max, Durations::text));
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw new RuleException(where + ": " + field + ": must be a single value");
        }
        return v.asText();
    }

    private static <T> T field(String where, String field, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new RuleException(where + ": " + field + ": " + e.getMessage());
        }
    }
}
