package dev.dnsflow.flow;

import java.util.Locale;

/** How one upstream attempt ended. */
public enum AttemptOutcome {
    /** A valid answer arrived. */
    ANSWERED,
    /** No valid answer within the attempt timeout (or before the query's deadline). */
    TIMEOUT,
    /** A valid answer arrived with TC=1. */
    TRUNCATED,
    /** The attempt could not be made or its connection failed (no free ID, refused, reset). */
    ERROR,
    /** dnsflow was stopping and its grace ran out while this attempt waited: no verdict on the upstream. */
    ABANDONED;

    private final String json = name().toLowerCase(Locale.ROOT);

    public String json() {
        return json;
    }
}
