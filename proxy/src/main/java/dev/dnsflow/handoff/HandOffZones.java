package dev.dnsflow.handoff;

import java.util.ArrayList;
import java.util.List;

/**
 * The zones whose queries carry the hand-off ({@code --hand-off-zones}): a name is under a zone when it is
 * the zone or ends with {@code .zone}, on label boundaries, case-insensitively ({@code .} is every name).
 * The hand-off holds the pod's address; it must not go to upstreams outside the cluster.
 */
public record HandOffZones(List<String> zones) {
    public HandOffZones {
        zones = List.copyOf(zones);
    }

    /** {@code ZONE[,ZONE...]}, with or without the final dot. */
    public static HandOffZones parse(String text) {
        List<String> out = new ArrayList<>();
        for (String z : text.split(",")) {
            String t = z.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (t.equals(".")) {
                out.add("");
                continue;
            }
            if (t.endsWith(".")) {
                t = t.substring(0, t.length() - 1);
            }
            if (t.isEmpty() || t.startsWith(".") || t.contains("..")) {
                throw new IllegalArgumentException("'" + z.trim() + "' is not a zone name (e.g. cluster.local)");
            }
            out.add(t);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no zone given; use '.' for every query");
        }
        return new HandOffZones(out);
    }

    /** Whether {@code name} (presentation form, final dot or not; null: no question) is under one of the zones. */
    public boolean covers(String name) {
        if (name == null) {
            return false;
        }
        int len = name.endsWith(".") ? name.length() - 1 : name.length();
        for (String z : zones) {
            if (z.isEmpty()) {
                return true;
            }
            int zl = z.length();
            if (len == zl && name.regionMatches(true, 0, z, 0, zl)
                    || len > zl && labelBoundary(name, len - zl - 1) && name.regionMatches(true, len - zl, z, 0, zl)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} has an unescaped dot at {@code at} (an even number of backslashes before it). */
    private static boolean labelBoundary(String name, int at) {
        if (name.charAt(at) != '.') {
            return false;
        }
        int slashes = 0;
        for (int i = at - 1; i >= 0 && name.charAt(i) == '\\'; i--) {
            slashes++;
        }
        return slashes % 2 == 0;
    }
}
