package dev.dnsflow.context;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The EDNS0 local option codes CoreDNS's {@code rewrite edns0 local set CODE {variable}} rules use to
 * carry the real client to dnsflow ({@code --context-option FIELD=CODE}). Defaults: client_ip 65518
 * (0xffee, raw 4/16 bytes), client_port 65519 (0xffef, 2 bytes), protocol 65520 (0xfff0, "udp"/"tcp"),
 * pod 65521 (0xfff1) and namespace 65522 (0xfff2) as ASCII.
 */
public record ContextCodes(int clientIp, int clientPort, int protocol, int pod, int namespace) {
    public static final ContextCodes DEFAULT = new ContextCodes(65518, 65519, 65520, 65521, 65522);
    /** EDNS0 Client Subnet (RFC 7871). */
    public static final int ECS = 8;

    public ContextCodes {
        Map<String, Integer> all = Map.of("client_ip", clientIp, "client_port", clientPort, "protocol", protocol, "pod", pod,
                "namespace", namespace);
        for (Map.Entry<String, Integer> e : all.entrySet()) {
            if (e.getValue() < 1 || e.getValue() > 65535 || e.getValue() == ECS) {
                throw new IllegalArgumentException("--context-option " + e.getKey() + "=" + e.getValue()
                        + ": an EDNS0 option code from 1 to 65535, not 8 (ECS); local codes are 65001-65534");
            }
        }
        if (java.util.Set.copyOf(all.values()).size() != all.size()) {
            throw new IllegalArgumentException("--context-option: two fields share one code: " + all);
        }
    }

    /** Applies {@code FIELD=CODE} settings (decimal or 0x hex) over the defaults. */
    public static ContextCodes parse(java.util.List<String> settings) {
        Map<String, Integer> codes = new LinkedHashMap<>(DEFAULT.asMap());
        for (String s : settings) {
            int eq = s.indexOf('=');
            String field = eq < 0 ? s : s.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (eq < 0 || !codes.containsKey(field)) {
                throw new IllegalArgumentException("--context-option '" + s + "': expected FIELD=CODE with FIELD one of "
                        + String.join(", ", codes.keySet()));
            }
            String value = s.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            try {
                codes.put(field, value.startsWith("0x") ? Integer.parseInt(value.substring(2), 16) : Integer.parseInt(value));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--context-option '" + s + "': '" + value + "' is not a number");
            }
        }
        return new ContextCodes(codes.get("client_ip"), codes.get("client_port"), codes.get("protocol"), codes.get("pod"),
                codes.get("namespace"));
    }

    public Map<String, Integer> asMap() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("client_ip", clientIp);
        m.put("client_port", clientPort);
        m.put("protocol", protocol);
        m.put("pod", pod);
        m.put("namespace", namespace);
        return m;
    }

    boolean isContext(int code) {
        return code == clientIp || code == clientPort || code == protocol || code == pod || code == namespace;
    }
}
