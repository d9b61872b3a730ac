package dev.dnsflow.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * THE ONE PLACE where {@code dnsflow nodelocal} sets defaults for flags that other capabilities declare:
 * the cache on with NodeLocal DNSCache's sizes, and the hand-off of the pod's identity to CoreDNS.
 *
 * <p>These flags belong to plugins built apart from nodelocal (the {@code cache} stage: {@code --cache},
 * {@code --cache-success}, {@code --cache-denial}; the hand-off's {@code --hand-off[=on|off]}). A default
 * applies only once a plugin declares the flag ({@link PluginFlags#declared}); until then nodelocal says
 * at start which defaults it could not apply, so nothing is silently missing. A flag given on the command
 * line always wins.
 */
final class NodelocalDefaults {
    static final String CACHE = "--cache";
    static final String CACHE_SUCCESS = "--cache-success";
    static final String CACHE_DENIAL = "--cache-denial";
    static final String HAND_OFF = "--hand-off";
    static final String HAND_OFF_ZONES = "--hand-off-zones";
    /** The template's {@code cache { success 9984 30; denial 9984 5 }}. */
    static final String SUCCESS = "9984:30s";
    static final String DENIAL = "9984:5s";

    private NodelocalDefaults() {
    }

    /**
     * The defaults wanted, by flag: {@code cache} false leaves the cache's out; sizes as {@code 9984:30s}.
     *
     * @param handOffZones the zones whose queries go to the cluster's DNS, which alone may carry the pod's identity (not
     *     the node's resolv.conf upstreams, outside the cluster); empty for the hand-off's own default
     */
    static Map<String, String> wanted(boolean cache, String success, String denial, List<String> handOffZones) {
        Map<String, String> out = new LinkedHashMap<>();
        if (cache) {
            out.put(CACHE, "true");
            out.put(CACHE_SUCCESS, success);
            out.put(CACHE_DENIAL, denial);
        }
        out.put(HAND_OFF, "on"); // --hand-off[=on|off] (handoff.HandOffPlugin); --hand-off=off turns it off
        if (!handOffZones.isEmpty()) {
            out.put(HAND_OFF_ZONES, String.join(",", handOffZones));
        }
        return out;
    }

    /**
     * The zones of {@code --zone} specs ({@code ZONE=UP[,UP][/tcp]}) that go to the cluster's DNS: all but the root
     * and those sent to resolv.conf (the node's upstreams).
     */
    static List<String> clusterZones(List<String> zoneSpecs) {
        List<String> out = new ArrayList<>();
        for (String spec : zoneSpecs) {
            int eq = spec.indexOf('=');
            String zone = eq < 0 ? spec : spec.substring(0, eq);
            String to = eq < 0 ? "" : spec.substring(eq + 1);
            if (!zone.equals(".") && !to.startsWith("resolv.conf") && !to.startsWith("/")) {
                out.add(zone);
            }
        }
        return out;
    }

    /** The wanted flags no plugin declares yet (in this build), for a notice at start. */
    static List<String> notDeclared(Map<String, String> wanted) {
        List<String> out = new ArrayList<>();
        wanted.forEach((flag, value) -> {
            if (!PluginFlags.declared(flag)) {
                out.add(flag + (value.equals("true") || value.equals("on") ? "" : " " + value));
            }
        });
        return out;
    }
}
