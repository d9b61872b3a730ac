package dev.dnsflow.metrics;

import java.util.Arrays;
import org.xbill.DNS.Type;

/**
 * Query types as metric label values: the common ones by name, everything else as {@code other}, so a
 * client sending random types cannot blow up the number of series.
 */
final class TypeLabels {
    static final String NONE = "none";
    static final String OTHER = "other";
    private static final int[] COMMON = {Type.A, Type.AAAA, Type.CNAME, Type.MX, Type.NS, Type.PTR, Type.SOA, Type.SRV,
        Type.TXT, Type.HTTPS, Type.SVCB, Type.CAA, Type.DS, Type.DNSKEY, Type.ANY, Type.NAPTR, Type.HINFO};
    /** Index into per-type arrays: COMMON's position, then OTHER, then NONE. */
    static final int SLOTS = COMMON.length + 2;
    private static final byte[] INDEX = new byte[65536];

    static {
        Arrays.fill(INDEX, (byte) COMMON.length);
        for (int i = 0; i < COMMON.length; i++) {
            INDEX[COMMON[i]] = (byte) i;
        }
    }

    private TypeLabels() {
    }

    /** @param qtype a query type, or -1 when the query had none */
    static int slot(int qtype) {
        return qtype < 0 ? COMMON.length + 1 : INDEX[qtype & 0xFFFF];
    }

    static String label(int slot) {
        if (slot < COMMON.length) {
            return Type.string(COMMON[slot]);
        }
        return slot == COMMON.length ? OTHER : NONE;
    }
}
