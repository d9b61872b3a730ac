package dev.dnsflow.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them ({@code 700ms}, {@code 1.5s}, {@code 5m}), both ways. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|µs|ms|s|m|h)");

    private Durations() {
    }

    /** {@code 700ms}, {@code 1.5s}, {@code 1m30s} (parts add up), or {@code 0}. */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        long nanos = 0;
        int at = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            double amount = Double.parseDouble(m.group(1));
            nanos += (long) (amount * switch (m.group(2)) {
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            });
            at = m.end();
        }
        if (at == 0 || at != t.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 2s, 1.5s, 1m30s)");
        }
        return Duration.ofNanos(nanos);
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
