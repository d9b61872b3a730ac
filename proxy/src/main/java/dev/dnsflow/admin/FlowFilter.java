package dev.dnsflow.admin;

import dev.dnsflow.util.Addresses;
import dev.dnsflow.util.Cidr;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.util.Durations;
import dev.dnsflow.util.NamePattern;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The flow filters of the API ({@code name}, {@code type}, {@code rcode}, {@code outcome},
 * {@code client}, {@code upstream}, {@code min_duration}, {@code since}, {@code until}, {@code cache}, and on who asked in the
 * cluster: {@code namespace}, {@code pod}, {@code workload}, {@code node}, see {@link AskerFilter}) parsed from
 * query parameters into one predicate. A parameter it does not know, or a value it cannot read, is an
 * {@link IllegalArgumentException} whose message names the parameter (the API answers 400 with it).
 */
public final class FlowFilter implements Predicate<Flow> {
    public static final Set<String> PARAMETERS = Set.of("name", "type", "rcode", "outcome", "client", "upstream",
            "min_duration", "since", "until", "cache", "namespace", "pod", "workload", "node");

    private final Map<String, Predicate<Flow>> tests = new LinkedHashMap<>();
    private Long sinceNanos;
    private Long untilNanos;

    private FlowFilter() {
    }

    /**
     * @param params the filters; parameters in {@code alsoAllowed} (e.g. {@code limit}) are skipped here
     * @param now    for relative times such as {@code since=5m}
     */
    public static FlowFilter parse(Map<String, String> params, Set<String> alsoAllowed, Instant now) {
        FlowFilter f = new FlowFilter();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (alsoAllowed.contains(key)) {
                continue;
            }
            if (!PARAMETERS.contains(key)) {
                throw new IllegalArgumentException("unknown filter '" + key + "' (known: " + String.join(", ", sorted(PARAMETERS))
                        + (alsoAllowed.isEmpty() ? "" : ", " + String.join(", ", sorted(alsoAllowed))) + ")");
            }
            // trim(), not isBlank(): it also drops control characters such as %00, which left nothing to read
            String trimmed = value == null ? "" : value.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException(key + ": needs a value");
            }
            f.tests.put(key, f.test(key, trimmed, now));
        }
        f.checkRange(f.untilNanos);
        return f;
    }

    /** Rejects combinations that can never match: {@code until} before {@code since}. */
    private void checkRange(Long until) {
        if (until != null && sinceNanos != null && until < sinceNanos) {
            throw new IllegalArgumentException("until: before since, so nothing can match");
        }
    }

    /** Whether the filter limits arrival time from above (meaningless for a live stream). */
    public boolean hasUntil() {
        return untilNanos != null;
    }

    /** The earliest arrival time asked for, in epoch nanoseconds, or null. */
    public Long sinceNanos() {
        return sinceNanos;
    }

    @Override
    public boolean test(Flow flow) {
        for (Predicate<Flow> t : tests.values()) {
            if (!t.test(flow)) {
                return false;
            }
        }
        return true;
    }

    private Predicate<Flow> test(String key, String value, Instant now) {
        return switch (key) {
            case "name" -> name(value);
            case "type" -> {
                Set<Integer> types = codes(key, value, Type::value);
                yield flow -> flow.query().name() != null && types.contains(flow.query().type());
            }
            case "rcode" -> {
                Set<Integer> rcodes = codes(key, value, Rcode::value);
                yield flow -> flow.response() != null && rcodes.contains(flow.response().rcode());
            }
            case "outcome" -> outcome(value);
            case "cache" -> cache(value);
            case "client" -> client(value);
            case "upstream" -> upstream(value);
            case "min_duration" -> {
                long micros = duration(key, value) / 1000;
                yield flow -> flow.durationMicros() >= micros;
            }
            case "since" -> {
                long at = time(key, value, now);
                sinceNanos = at;
                yield flow -> flow.timeEpochNanos() >= at;
            }
            case "until" -> {
                long at = time(key, value, now);
                untilNanos = at;
                yield flow -> flow.timeEpochNanos() <= at;
            }
            default -> AskerFilter.of(key, value);
        };
    }

    private static Predicate<Flow> name(String value) {
        try {
            NamePattern pattern = NamePattern.parse(value);
            return flow -> pattern.test(flow.query().name());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("name: " + e.getMessage());
        }
    }

    private static Predicate<Flow> outcome(String value) {
        Set<Outcome> wanted = new HashSet<>();
        for (String part : value.split(",")) {
            Outcome match = null;
            for (Outcome o : Outcome.values()) {
                if (o.json().equalsIgnoreCase(part.trim())) {
                    match = o;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("outcome: unknown value '" + part.trim() + "' ("
                        + Arrays.stream(Outcome.values()).map(Outcome::json).collect(Collectors.joining(", "))
                        + ")");
            }
            wanted.add(match);
        }
        return flow -> wanted.contains(flow.outcome());
    }

    /** {@code hit}, {@code miss}, {@code prefetch}, {@code stale}, or several with commas: what the cache did. */
    private static Predicate<Flow> cache(String value) {
        Set<CacheMark.Result> wanted = new HashSet<>();
        for (String part : value.split(",")) {
            CacheMark.Result r = CacheMark.Result.of(part.trim());
            if (r == null) {
                throw new IllegalArgumentException("cache: unknown value '" + part.trim() + "' ("
                        + Arrays.stream(CacheMark.Result.values()).map(CacheMark.Result::json).collect(Collectors.joining(", "))
                        + ")");
            }
            wanted.add(r);
        }
        return flow -> {
            CacheMark mark = flow.get(CacheMark.KEY);
            return mark != null && wanted.contains(mark.result());
        };
    }

    private static Predicate<Flow> client(String value) {
        Cidr range;
        try {
            range = Cidr.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("client: " + e.getMessage());
        }
        return flow -> {
            try {
                return range.contains(InetAddress.getByName(flow.client().ip()));
            } catch (UnknownHostException e) {
                return false;
            }
        };
    }

    /** {@code 10.0.0.2:53} or {@code [fd00::53]:53} exactly, or just the address for any port. */
    private static Predicate<Flow> upstream(String value) {
        String[] wanted = hostPort(value);
        if (!wanted[0].matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("upstream: '" + value + "' must be an IP address, optionally with :port "
                    + "(flows name upstreams by address)");
        }
        if (wanted[1] != null) {
            wanted[1] = port(value, wanted[1]);
        } else if (value.startsWith("[") && !value.endsWith("]")) {
            throw new IllegalArgumentException("upstream: '" + value + "' must be [IPv6]:port or [IPv6]");
        }
        String address;
        try {
            address = Addresses.text(InetAddress.getByName(wanted[0]));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("upstream: '" + value + "' is not an IP address");
        }
        return flow -> {
            for (Attempt a : flow.attempts()) {
                String[] seen = hostPort(a.upstream());
                if (seen[0].equals(address) && (wanted[1] == null || wanted[1].equals(seen[1]))) {
                    return true;
                }
            }
            return false;
        };
    }

    /** The port of an upstream filter, 1..65535, in its canonical form (no leading zeros). */
    private static String port(String value, String port) {
        int n = port.matches("0*\\d{1,5}") ? Integer.parseInt(port) : -1;
        if (n < 1 || n > 65535) {
            throw new IllegalArgumentException("upstream: '" + value + "': the port must be from 1 to 65535");
        }
        return Integer.toString(n);
    }

    /** {@code [v6]:port}, {@code v4:port}, or a bare address (port null). */
    private static String[] hostPort(String s) {
        if (s.startsWith("[") && s.contains("]")) {
            int close = s.indexOf(']');
            return new String[] {s.substring(1, close), s.startsWith("]:", close) ? s.substring(close + 2) : null};
        }
        if (s.matches("[^:]+:\\d+")) {
            return new String[] {s.substring(0, s.indexOf(':')), s.substring(s.indexOf(':') + 1)};
        }
        return new String[] {s, null};
    }

    private static Set<Integer> codes(String key, String value, ToIntFunction<String> lookup) {
        Set<Integer> out = new HashSet<>();
        for (String part : value.split(",")) {
            int code = lookup.applyAsInt(part.trim().toUpperCase(Locale.ROOT));
            if (code < 0) {
                throw new IllegalArgumentException(key + ": unknown value '" + part.trim() + "'");
            }
            out.add(code);
        }
        return out;
    }

    private static long duration(String key, String value) {
        try {
            return Durations.parse(value).toNanos();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }

    /** RFC 3339, or a duration meaning that long ago. */
    static long time(String key, String value, Instant now) {
        if (Character.isDigit(value.charAt(0)) && value.contains("-")) {
            try {
                // A '+' in an offset arrives as a space when the caller did not URL-encode it.
                Instant t = OffsetDateTime.parse(value.replace(' ', '+')).toInstant();
                return t.getEpochSecond() * 1_000_000_000L + t.getNano();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(key + ": '" + value + "' is not an RFC 3339 time (e.g. 2026-11-25T19:21:17Z)"
                        + " or a duration (e.g. 5m)");
            }
        }
        Instant t = now.minusNanos(duration(key, value));
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
