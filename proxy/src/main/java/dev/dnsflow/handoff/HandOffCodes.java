package dev.dnsflow.handoff;

import java.util.Locale;

/**
 * The EDNS0 local option codes of the hand-off from the node's dnsflow (nodelocal) to the one behind
 * CoreDNS, one per field, all in the range RFC 6891 leaves for local use and apart from the codes
 * CoreDNS's {@code rewrite} sets for client context (65518–65522): {@code client_ip} 65523 (0xfff3, the
 * pod's address, raw 4 or 16 bytes), {@code client_port} 65524 (2 bytes), {@code query_id} 65525 (the
 * pod's own message ID, 2 bytes, then a flags byte: {@link HandOffWire#FLAG_ADDED_OPT}), {@code flow} 65526 (the nodelocal flow's ID, ASCII) and {@code node}
 * 65527 (the node's name, ASCII). Both sides read {@code --hand-off-option FIELD=CODE,...}.
 */
public record HandOffCodes(int clientIp, int clientPort, int queryId, int flow, int node) {
    public static final HandOffCodes DEFAULT = new HandOffCodes(0xfff3, 0xfff4, 0xfff5, 0xfff6, 0xfff7);
    /** RFC 6891 9: 65001-65534 are for local or experimental use; only those may carry the hand-off. */
    public static final int FIRST_LOCAL = 65001;
    public static final int LAST_LOCAL = 65534;
    /** The field names, in the order of the record's components. */
    public static final String FIELDS = "client_ip, client_port, query_id, flow, node";

    public HandOffCodes {
        int[] all = {clientIp, clientPort, queryId, flow, node};
        for (int i = 0; i < all.length; i++) {
            if (all[i] < FIRST_LOCAL || all[i] > LAST_LOCAL) {
                // Any other code is assigned, or may be, to an option a resolver acts on.
                throw new IllegalArgumentException("a hand-off code must be in RFC 6891's local/experimental range "
                        + FIRST_LOCAL + " to " + LAST_LOCAL + ": " + all[i]);
            }
            for (int j = 0; j < i; j++) {
                if (all[i] == all[j]) {
                    throw new IllegalArgumentException("two hand-off fields both use code " + all[i] + "; each needs its own");
                }
            }
        }
    }

    /** {@code FIELD=CODE[,FIELD=CODE...]} (decimal or 0x hex) over the defaults; empty text is the defaults. */
    public static HandOffCodes parse(String text) {
        int[] c = {DEFAULT.clientIp, DEFAULT.clientPort, DEFAULT.queryId, DEFAULT.flow, DEFAULT.node};
        for (String setting : text.split(",")) {
            String s = setting.trim();
            if (s.isEmpty()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("'" + s + "': expected FIELD=CODE with FIELD one of " + FIELDS
                        + ", e.g. flow=65526");
            }
            String field = s.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            int index = switch (field) {
                case "client_ip" -> 0;
                case "client_port" -> 1;
                case "query_id" -> 2;
                case "flow" -> 3;
                case "node" -> 4;
                default -> throw new IllegalArgumentException("'" + field + "' is not a hand-off field; use one of " + FIELDS);
            };
            c[index] = code(s.substring(eq + 1));
        }
        return new HandOffCodes(c[0], c[1], c[2], c[3], c[4]);
    }

    private static int code(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            return t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not an EDNS0 option code (decimal or 0x hex, e.g. 65526 or 0xfff6)");
        }
    }

    /** Whether {@code code} is one of the hand-off's. */
    public boolean isHandOff(int code) {
        return code == clientIp || code == clientPort || code == queryId || code == flow || code == node;
    }

    /** The codes, in field order. */
    public int[] all() {
        return new int[] {clientIp, clientPort, queryId, flow, node};
    }
}
