package dev.dnsflow.context;

import dev.dnsflow.context.ContextOptions.Field;
import java.util.List;
import java.util.Map;

/**
 * The EDNS0 local option codes in force on the DNS path, as settled by {@code --context-option}.
 * The fields, their defaults (client_ip 65518 = 0xffee, client_port 65519, protocol 65520, pod 65521,
 * namespace 65522) and the parsing live next door in {@link ContextOptions}, which {@code dnsflow corefile}
 * uses too, so the Corefile it prints and the proxy always agree.
 */
public record ContextCodes(int clientIp, int clientPort, int protocol, int pod, int namespace) {
    public static final ContextCodes DEFAULT = of(ContextOptions.defaults());
    /** EDNS0 Client Subnet (RFC 7871). */
    public static final int ECS = ContextOptions.ECS;

    /** Applies {@code FIELD=CODE} settings (decimal or 0x hex) over the defaults. */
    public static ContextCodes parse(List<String> settings) {
        try {
            return of(ContextOptions.codes(settings));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--context-option: " + e.getMessage());
        }
    }

    private static ContextCodes of(Map<Field, Integer> codes) {
        return new ContextCodes(codes.get(Field.CLIENT_IP), codes.get(Field.CLIENT_PORT), codes.get(Field.PROTOCOL),
                codes.get(Field.POD), codes.get(Field.NAMESPACE));
    }

    public boolean isContext(int code) {
        return code == clientIp || code == clientPort || code == protocol || code == pod || code == namespace;
    }
}
