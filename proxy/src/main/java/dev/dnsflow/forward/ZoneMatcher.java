package dev.dnsflow.forward;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Longest-suffix zone match on a query's wire name, without decoding it: walking the labels from the
 * left, the first label start at which a zone's wire form ends the name is the longest matching zone
 * (label boundaries hold by construction; ASCII letters compare case-insensitively). Nothing is
 * allocated per query. The root zone is not kept here: no match means the default route.
 */
final class ZoneMatcher {
    private final byte[][] zones;

    /** @param zones the zones' wire forms ({@link ForwardZone#wire()}), none the root; index = route */
    ZoneMatcher(List<byte[]> zones) {
        this.zones = zones.toArray(new byte[0][]);
    }

    boolean isEmpty() {
        return zones.length == 0;
    }

    /**
     * The index of the longest zone containing the name at {@code [nameStart, nameEnd)} of {@code m}
     * (absolute offsets; nameEnd one past the root byte), or -1 for none, or for a compressed name.
     */
    int match(ByteBuf m, int nameStart, int nameEnd) {
        int p = nameStart;
        while (p < nameEnd) {
            int left = nameEnd - p;
            for (int z = 0; z < zones.length; z++) {
                if (zones[z].length == left && equalsIgnoreCase(m, p, zones[z])) {
                    return z;
                }
            }
            int len = m.getUnsignedByte(p);
            if (len == 0 || len > 63) {
                return -1; // the root, or a compression pointer (never in a real question)
            }
            p += len + 1;
        }
        return -1;
    }

    private static boolean equalsIgnoreCase(ByteBuf m, int at, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            int b = m.getByte(at + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A'; // length bytes are at most 63, below 'A': never folded
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }
}
