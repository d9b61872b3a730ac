package dev.dnsflow.forward;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Where queries for one zone go ({@code --zone ZONE=UPSTREAM[,UPSTREAM...][/tcp]}): the zone's own
 * upstreams, tried with their own attempts and policy; the zone's name, lower-cased, is matched on the
 * query's wire name by {@link ZoneMatcher}. The root zone {@code .} stands for the default upstreams.
 *
 * @param zone      the zone in presentation form, lower-cased, with the final dot ({@code cluster.local.})
 * @param upstreams its upstream servers, 1 to 15 (as CoreDNS's forward)
 * @param forceTcp  always TCP to these upstreams (CoreDNS's {@code force_tcp}, as NodeLocal DNSCache uses)
 */
public record ForwardZone(String zone, List<InetSocketAddress> upstreams, boolean forceTcp) {
    public ForwardZone {
        zone = normalize(zone);
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": no upstream");
        }
        if (upstreams.size() > 15) {
            throw new IllegalArgumentException("zone " + zone + ": at most 15 upstreams (as CoreDNS forward), got "
                    + upstreams.size());
        }
    }

    /** Whether this is the root zone, which every name is in. */
    public boolean isRoot() {
        return zone.equals(".");
    }

    /** A normalized zone's name in wire form: length-prefixed labels and the root's zero byte. */
    static byte[] wire(String zone) {
        if (zone.equals(".")) {
            return new byte[] {0};
        }
        byte[] ascii = zone.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[ascii.length + 1];
        int lengthAt = 0;
        for (int i = 0; i < ascii.length; i++) {
            if (ascii[i] == '.') {
                out[lengthAt] = (byte) (i - lengthAt);
                lengthAt = i + 1;
            } else {
                out[i + 1] = ascii[i];
            }
        }
        out[ascii.length] = 0;
        return out;
    }

    /**
     * {@code Cluster.Local}, {@code cluster.local.} → {@code cluster.local.}; {@code .} stays. Labels are
     * 1 to 63 characters of printable ASCII other than dot and space, 255 bytes in all (RFC 1035).
     */
    static String normalize(String zone) {
        String z = zone.trim().toLowerCase(Locale.ROOT);
        if (z.equals(".")) {
            return z;
        }
        if (!z.endsWith(".")) {
            z = z + ".";
        }
        if (z.length() + 1 > 255) {
            throw new IllegalArgumentException("zone '" + zone + "' is longer than 255 bytes");
        }
        for (String label : z.substring(0, z.length() - 1).split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new IllegalArgumentException("zone '" + zone + "': every label needs 1 to 63 characters");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c <= ' ' || c >= 0x7f) {
                    throw new IllegalArgumentException("zone '" + zone + "': only printable ASCII is allowed");
                }
            }
        }
        return z;
    }
}
