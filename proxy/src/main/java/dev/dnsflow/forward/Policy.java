package dev.dnsflow.forward;

import java.util.concurrent.ThreadLocalRandom;

/** How the first upstream of a query is chosen (CoreDNS forward's policies); retries go round from there. */
public enum Policy {
    /** A random upstream first (CoreDNS's default). */
    RANDOM,
    /** Each query starts one further along the list. */
    ROUND_ROBIN,
    /** Always the first healthy upstream in the order given. */
    SEQUENTIAL;

    /** @param counter a per-event-loop query counter, for round robin without a shared atomic */
    int firstIndex(int upstreams, int counter) {
        return switch (this) {
            case RANDOM -> ThreadLocalRandom.current().nextInt(upstreams);
            case ROUND_ROBIN -> Math.floorMod(counter, upstreams);
            case SEQUENTIAL -> 0;
        };
    }

    public static Policy parse(String text) {
        for (Policy p : values()) {
            if (p.name().equalsIgnoreCase(text.replace('-', '_'))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + text + "' (random, round_robin, sequential)");
    }
}
