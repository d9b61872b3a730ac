package dev.dnsflow.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dnsflow.util.Cidr;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Durations;
import dev.dnsflow.util.NamePattern;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * One chaos rule: which queries it matches (all criteria optional), how often it fires ({@code every}
 * N-th match, a {@code probability}, or always), what it does, and until when. Immutable apart from
 * its match counter for {@code every}.
 *
 * @param source where the rule came from: {@code file}, {@code flag} or {@code api}
 */
public record ChaosRule(String name, NamePattern match, Set<Integer> types, Cidr client, Transport transport,
                        long every, double probability, ChaosAction action, Duration delay, Duration jitter, int rcode,
                        Instant expires, boolean includeProbes, String source, AtomicLong matches) {

    /** The same rule with its own match counter, so two proxies started from one config count apart. */
    ChaosRule fresh() {
        return new ChaosRule(name, match, types, client, transport, every, probability, action, delay, jitter, rcode,
                expires, includeProbes, source, new AtomicLong());
    }

    /** Whether the rule picks this query, counting it toward {@code every}. */
    boolean fires(String qname, int qtype, InetAddress from, Transport via, Instant now) {
        if (expires != null && now.isAfter(expires)) {
            return false;
        }
        if (match != null && !match.test(qname) || types != null && !types.contains(qtype)
                || client != null && !client.contains(from) || transport != null && transport != via) {
            return false;
        }
        if (action == ChaosAction.TRUNCATE && via == Transport.TCP) {
            return false; // a TCP answer cannot send the client to TCP
        }
        if (!includeProbes && isProbe(qname, qtype)) {
            return false;
        }
        if (every > 0) {
            return matches.incrementAndGet() % every == 0;
        }
        if (probability >= 0) {
            return ThreadLocalRandom.current().nextDouble() < probability;
        }
        return true;
    }

    /** CoreDNS's health probe ({@code . IN NS}) and its loop plugin's HINFO probe. */
    static boolean isProbe(String qname, int qtype) {
        return qtype == Type.NS && ".".equals(qname) || qtype == Type.HINFO;
    }

    boolean expired(Instant now) {
        return expires != null && now.isAfter(expires);
    }

    /** The delay for one query: {@code delay} ± a uniform {@code jitter}, never negative. */
    long delayNanos() {
        long base = delay == null ? 0 : delay.toNanos();
        if (jitter == null || jitter.isZero()) {
            return base;
        }
        long j = jitter.toNanos();
        return Math.max(0, base + ThreadLocalRandom.current().nextLong(-j, j + 1));
    }

    /** The rule in the shape it is written in (YAML file, API JSON), for GET /api/v1/chaos. */
    /**
     * A rule from its JSON shape (the API's PUT body); every problem is an IllegalArgumentException
     * naming the field, prefixed with {@code where}.
     */
    public static ChaosRule fromJson(JsonNode node, String where, String name,
                                     String source, Instant now) {
        return RuleParser.fromJson(node, where, name, source, now);
    }

    /** As the API shows it. */
    public Map<String, Object> describe(Instant now) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        Map<String, Object> m = new LinkedHashMap<>();
        if (match != null) {
            m.put("name", match.toString());
        }
        if (types != null) {
            m.put("type", String.join(",", types.stream().map(Type::string).sorted().toList()));
        }
        if (client != null) {
            m.put("client", client.toString());
        }
        if (transport != null) {
            m.put("transport", transport.json());
        }
        if (!m.isEmpty()) {
            out.put("match", m);
        }
        if (every > 0) {
            out.put("every", every);
        }
        if (probability >= 0) {
            out.put("probability", probability);
        }
        out.put("action", action.text());
        if (delay != null) {
            out.put("delay", Durations.text(delay));
        }
        if (jitter != null) {
            out.put("jitter", Durations.text(jitter));
        }
        if (action == ChaosAction.RCODE) {
            out.put("rcode", Rcode.string(rcode));
        }
        if (expires != null) {
            out.put("expires", expires.toString());
            out.put("expires_in", Durations.text(Duration.between(now, expires).isNegative()
                    ? Duration.ZERO : Duration.between(now, expires).withNanos(0)));
        }
        out.put("include-probes", includeProbes);
        out.put("source", source);
        out.put("matched", matches.get());
        return out;
    }
}
