package dev.dnsflow.context;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The EDNS0 local option codes that carry the real client from CoreDNS to dnsflow, one per field:
 * CoreDNS adds them with {@code rewrite continue edns0 local set CODE {variable}}, dnsflow reads and
 * strips them. Both sides must agree, so the fields, their names and default codes and the parsing of
 * {@code --context-option FIELD=CODE} (decimal or {@code 0x} hex) live here, in the engine that reads
 * them; the proxy ({@link ContextCodes}) and {@code dnsflow corefile} (which prints the rewrite lines,
 * in the app module) both take them from this class, so they change the same way everywhere.
 *
 * <p>The defaults sit in the range RFC 6891 leaves for local and experimental use (65001–65534).
 */
public final class ContextOptions {
    /** {@code {client_ip}}: the client's address, 4 or 16 raw bytes (not text). */
    public static final int CLIENT_IP = 0xffee; // 65518
    /** {@code {client_port}}: the client's source port, 2 bytes big-endian. */
    public static final int CLIENT_PORT = 0xffef; // 65519
    /** {@code {protocol}}: the client's transport, ASCII {@code udp} or {@code tcp}. */
    public static final int PROTOCOL = 0xfff0; // 65520
    /** {@code {kubernetes/client-pod-name}}: the client pod's name, ASCII (empty unless {@code pods verified}). */
    public static final int POD = 0xfff1; // 65521
    /** {@code {kubernetes/client-namespace}}: the client pod's namespace, ASCII (same requirement). */
    public static final int NAMESPACE = 0xfff2; // 65522

    /** EDNS0 Client Subnet (RFC 7871): never usable as a context code. */
    public static final int ECS = 8;
    /** The codes RFC 6891 reserves for local and experimental use. */
    public static final int LOCAL_USE_FIRST = 65001;
    public static final int LOCAL_USE_LAST = 65534;

    private ContextOptions() {
    }

    /** How CoreDNS encodes a variable into the option's data. */
    public enum Encoding {
        /** 4 bytes for IPv4, 16 for IPv6. */
        ADDRESS,
        /** 2 bytes, big-endian. */
        UINT16,
        /** The text itself (possibly empty). */
        ASCII
    }

    /** One piece of client context: its {@code --context-option} name, default code and CoreDNS variable. */
    public enum Field {
        CLIENT_IP("client_ip", ContextOptions.CLIENT_IP, "{client_ip}", Encoding.ADDRESS, false),
        CLIENT_PORT("client_port", ContextOptions.CLIENT_PORT, "{client_port}", Encoding.UINT16, false),
        PROTOCOL("protocol", ContextOptions.PROTOCOL, "{protocol}", Encoding.ASCII, false),
        POD("pod", ContextOptions.POD, "{kubernetes/client-pod-name}", Encoding.ASCII, true),
        NAMESPACE("namespace", ContextOptions.NAMESPACE, "{kubernetes/client-namespace}", Encoding.ASCII, true);

        private final String key;
        private final int defaultCode;
        private final String variable;
        private final Encoding encoding;
        private final boolean podMetadata;

        Field(String key, int defaultCode, String variable, Encoding encoding, boolean podMetadata) {
            this.key = key;
            this.defaultCode = defaultCode;
            this.variable = variable;
            this.encoding = encoding;
            this.podMetadata = podMetadata;
        }

        /** The name in {@code --context-option FIELD=CODE}: client_ip, client_port, protocol, pod, namespace. */
        public String key() {
            return key;
        }

        public int defaultCode() {
            return defaultCode;
        }

        /** The CoreDNS rewrite variable that fills it, braces included. */
        public String variable() {
            return variable;
        }

        public Encoding encoding() {
            return encoding;
        }

        /** Whether it comes from the kubernetes plugin's metadata (needs {@code metadata} and {@code pods verified}). */
        public boolean podMetadata() {
            return podMetadata;
        }

        /** The field named {@code key} (case-insensitive), or an error listing the names. */
        public static Field of(String key) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (Field f : values()) {
                if (f.key.equals(k)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("'" + key + "' is not a context field; use one of " + keys());
        }

        static String keys() {
            StringBuilder sb = new StringBuilder();
            for (Field f : values()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(f.key);
            }
            return sb.toString();
        }
    }

    /** One {@code FIELD=CODE} setting. */
    public record Setting(Field field, int code) {
    }

    /** Parses one {@code FIELD=CODE} setting; the code is decimal ({@code 65518}) or hex ({@code 0xffee}). */
    public static Setting parseSetting(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("'" + text + "': expected FIELD=CODE with FIELD one of " + Field.keys()
                    + ", e.g. client_ip=65518");
        }
        return new Setting(Field.of(text.substring(0, eq)), parseCode(text.substring(eq + 1)));
    }

    /** An option code, decimal or {@code 0x} hex, from 1 to 65535 and not 8 (ECS). */
    public static int parseCode(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int code;
        try {
            code = t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not an EDNS0 option code (decimal or 0x hex, e.g. 65518 or 0xffee)");
        }
        if (code < 1 || code > 65535 || code == ECS) {
            throw new IllegalArgumentException("'" + text.trim() + "': an EDNS0 option code is 1 to 65535 and not 8 (ECS); "
                    + "local codes are " + LOCAL_USE_FIRST + "-" + LOCAL_USE_LAST);
        }
        return code;
    }

    /** The default codes. */
    public static Map<Field, Integer> defaults() {
        Map<Field, Integer> codes = new EnumMap<>(Field.class);
        for (Field f : Field.values()) {
            codes.put(f, f.defaultCode());
        }
        return Collections.unmodifiableMap(codes);
    }

    /** The defaults with {@code FIELD=CODE} settings applied in order; two fields may not share a code. */
    public static Map<Field, Integer> codes(List<String> settings) {
        Map<Field, Integer> codes = new EnumMap<>(defaults());
        for (String s : settings) {
            Setting setting = parseSetting(s);
            codes.put(setting.field(), setting.code());
        }
        for (Field a : Field.values()) {
            for (Field b : Field.values()) {
                if (a.ordinal() < b.ordinal() && codes.get(a).equals(codes.get(b))) {
                    throw new IllegalArgumentException(a.key() + " and " + b.key() + " both use code " + codes.get(a) + " ("
                            + hex(codes.get(a)) + "); each field needs its own code");
                }
            }
        }
        return Collections.unmodifiableMap(codes);
    }

    /** Whether a code is in the local/experimental range. */
    public static boolean isLocalUse(int code) {
        return code >= LOCAL_USE_FIRST && code <= LOCAL_USE_LAST;
    }

    /** The form Corefiles use: {@code 0xffee}. */
    public static String hex(int code) {
        return String.format(Locale.ROOT, "0x%04x", code);
    }
}
