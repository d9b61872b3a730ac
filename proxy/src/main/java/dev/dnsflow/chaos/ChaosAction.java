package dev.dnsflow.chaos;

/** What a chaos rule does to a query it picks. */
public enum ChaosAction {
    /** No answer at all; nothing goes upstream. */
    DROP("drop"),
    /** Forward after {@code delay} (± {@code jitter}); the answer is real. */
    DELAY("delay"),
    /** Forward at once; hold the real answer back for {@code delay} (± {@code jitter}). */
    DELAY_RESPONSE("delay-response"),
    /** Answer {@code rcode} (SERVFAIL, NXDOMAIN, REFUSED, …) with the question echoed. */
    RCODE("rcode"),
    /** Answer empty with TC=1 so the client retries over TCP (UDP queries only). */
    TRUNCATE("truncate"),
    /** Forward; throw the upstream's answer away: a lost reply rather than a lost query. */
    UPSTREAM_DROP("upstream-drop");

    private final String text;

    ChaosAction(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static ChaosAction parse(String text) {
        for (ChaosAction a : values()) {
            if (a.text.equalsIgnoreCase(text) || a.name().equalsIgnoreCase(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown action '" + text
                + "' (drop, delay, delay-response, rcode, truncate, upstream-drop)");
    }
}
