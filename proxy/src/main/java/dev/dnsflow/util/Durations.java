package dev.dnsflow.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them ({@code 700ms}, {@code 1.5s}, {@code 5m}), both ways. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|µs|ms|s|m|h)");

    private Durations() {
    }

    /** @throws IllegalArgumentException with an example of what is expected */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 2s, 1.5s, 5m)");
        }
        double amount = Double.parseDouble(m.group(1));
        double nanos = switch (m.group(2)) {
            case "us", "µs" -> amount * 1e3;
            case "ms" -> amount * 1e6;
            case "s" -> amount * 1e9;
            case "m" -> amount * 60e9;
            default -> amount * 3600e9;
        };
        return Duration.ofNanos((long) nanos);
    }

    /** The short form: {@code 700ms}, {@code 2s}, {@code 5m}. */
    public static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 && ms > 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
