package dev.dnsflow.k8s;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IP address as two longs (the 128 bits of IPv6; IPv4 as {@code ::ffff:a.b.c.d}), parsed from
 * text without allocating, so the index's lookups stay allocation-free on the recorder thread.
 */
final class IpKey {
    static final long V4_MAPPED = 0xffff_0000_0000L;

    private IpKey() {
    }

    static long v4(int address) {
        return V4_MAPPED | (address & 0xffff_ffffL);
    }

    /** Writes the address into {@code out[0]} (high) and {@code out[1]} (low); false if unreadable. */
    static boolean parse(String s, long[] out) {
        int end = s.indexOf('%'); // a zone: not part of the address
        if (end < 0) {
            end = s.length();
        }
        if (s.indexOf(':') < 0) {
            long v4 = parse4(s, 0, end);
            if (v4 < 0) {
                return false;
            }
            out[0] = 0;
            out[1] = V4_MAPPED | v4;
            return true;
        }
        return parse6(s, end, out);
    }

    static boolean of(InetAddress address, long[] out) {
        if (address instanceof Inet4Address) {
            out[0] = 0;
            out[1] = v4(address.hashCode()); // Inet4Address's hash is the address itself
            return true;
        }
        byte[] b = address.getAddress();
        if (b.length != 16) {
            return false;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xff);
            lo = lo << 8 | (b[i + 8] & 0xff);
        }
        out[0] = hi;
        out[1] = lo;
        return true;
    }

    /** Dotted quad in {@code s[from, to)} as a non-negative long, or -1. */
    private static long parse4(String s, int from, int to) {
        long result = 0;
        int octets = 0;
        int i = from;
        while (octets < 4) {
            int start = i;
            int value = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start || value > 255) {
                return -1;
            }
            result = result << 8 | value;
            octets++;
            if (octets < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return i == to ? result : -1;
    }

    private static boolean parse6(String s, int end, long[] out) {
        // groups before "::" go to head, after it to tail; each a 128-bit shift register (hi, lo)
        long headHi = 0, headLo = 0, tailHi = 0, tailLo = 0;
        int headGroups = 0, tailGroups = 0;
        boolean compressed = false;
        int i = 0;
        if (s.startsWith("::")) {
            compressed = true;
            i = 2;
        }
        while (i < end) {
            int start = i;
            int value = 0;
            while (i < end && i - start < 5 && Character.digit(s.charAt(i), 16) >= 0) {
                value = value << 4 | Character.digit(s.charAt(i), 16);
                i++;
            }
            int groups;
            long v;
            if (i < end && s.charAt(i) == '.') { // trailing dotted IPv4: two groups
                long v4 = parse4(s, start, end);
                if (v4 < 0) {
                    return false;
                }
                v = v4;
                groups = 2;
                i = end;
            } else {
                if (i == start || i - start > 4) {
                    return false;
                }
                v = value;
                groups = 1;
            }
            int bits = 16 * groups;
            if (compressed) {
                tailHi = tailHi << bits | tailLo >>> (64 - bits);
                tailLo = tailLo << bits | v;
                tailGroups += groups;
            } else {
                headHi = headHi << bits | headLo >>> (64 - bits);
                headLo = headLo << bits | v;
                headGroups += groups;
            }
            if (i < end) {
                if (s.charAt(i) != ':') {
                    return false;
                }
                i++;
                if (i < end && s.charAt(i) == ':') {
                    if (compressed) {
                        return false;
                    }
                    compressed = true;
                    i++;
                } else if (i == end) {
                    return false; // a trailing single ':'
                }
            }
        }
        int groups = headGroups + tailGroups;
        if (groups > 8 || (!compressed && groups != 8) || (compressed && groups == 8)) {
            return false;
        }
        // head moves up by the groups it lacks; tail stays at the bottom
        int shift = 16 * (8 - headGroups);
        long hi;
        long lo;
        if (shift == 0) {
            hi = headHi;
            lo = headLo;
        } else if (shift >= 128) {
            hi = 0;
            lo = 0;
        } else if (shift >= 64) {
            hi = headLo << (shift - 64);
            lo = 0;
        } else {
            hi = headHi << shift | headLo >>> (64 - shift);
            lo = headLo << shift;
        }
        out[0] = hi | tailHi;
        out[1] = lo | tailLo;
        return true;
    }
}
