package dev.dnsflow.flow;

import java.util.Locale;

/** How a message travelled: its JSON name is the lowercase form. */
public enum Transport {
    UDP, TCP;

    private final String json = name().toLowerCase(Locale.ROOT);

    public String json() {
        return json;
    }
}
