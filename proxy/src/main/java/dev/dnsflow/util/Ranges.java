package dev.dnsflow.util;

import java.util.function.Function;

/** Values accepted only within a range: flags, chaos rule fields. */
public final class Ranges {
    private Ranges() {
    }

    /**
     * {@code text} parsed, if from {@code min} to {@code max}; else an IllegalArgumentException that gives
     * the range, whether the value was out of it, too large to parse or no value at all. The caller puts
     * the name (a flag, a rule's field) in front.
     */
    public static <T extends Comparable<T>> T within(String text, Function<String, T> parse, T min, T max,
            Function<T, String> show) {
        String range = "it must be from " + show.apply(min) + " to " + show.apply(max);
        T value;
        try {
            value = parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; " + range);
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException("'" + text + "' is out of range: " + range);
        }
        return value;
    }
}
