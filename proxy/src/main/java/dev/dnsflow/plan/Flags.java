package dev.dnsflow.plan;

import java.util.Map;

/** The values given for plugins' {@link Flag flags}, as text by flag name; flags not given have their default. */
public final class Flags {
    private static final Flags NONE = new Flags(Map.of());

    private final Map<String, String> given;

    private Flags(Map<String, String> given) {
        this.given = Map.copyOf(given);
    }

    public static Flags none() {
        return NONE;
    }

    public static Flags of(Map<String, String> given) {
        return given.isEmpty() ? NONE : new Flags(given);
    }

    /** The flag's value as given, else its default; an error names the flag. */
    public <T> T get(Flag<T> flag) {
        return flag.valueOf(given.getOrDefault(flag.name(), flag.defaultValue()));
    }
}
