package dev.dnsflow.flow;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One readable line per flow: who asked (and with which ID), where dnsflow sent it (and with
 * which ID), how long it took and what came back, e.g.
 * <pre>19:21:17.123  127.0.0.1:40112 udp id=4242 → dnsflow → 127.0.0.1:5300 udp id=51234 0.4ms  example.com. A  NOERROR 192.0.2.1</pre>
 * When the flow knows its Kubernetes names, who asked is shown as {@code default/mypod} instead of an address
 * (the pod behind CoreDNS when there is an origin, see {@link K8sNames#asker}), and an upstream in the cluster as
 * {@code kube-system/kube-dns}; the addresses stay in the JSON.
 * A {@link Paint} may decorate parts of the line (terminal colours in {@code dnsflow observe}).
 */
public final class FlowText {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** The parts of the line a {@link Paint} sees. */
    public enum Part {
        /** The answer: rcode, TC, addresses, and "(servfail by dnsflow)" when dnsflow answered itself. */
        RESULT,
        /** The outcome word of an attempt that did not end with an answer: timeout, truncated, error. */
        FAILED_ATTEMPT
    }

    /** Decorates a part of the line; it must not change the text's meaning, only wrap it. */
    @FunctionalInterface
    public interface Paint {
        Paint NONE = (part, text) -> text;

        String paint(Part part, String text);
    }

    private FlowText() {
    }

    public static String compact(Flow f) {
        return compact(f, Paint.NONE);
    }

    public static String compact(Flow f, Paint paint) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(clock(f.timeEpochNanos())).append("  ");
        sb.append(asker(f)).append(' ').append(f.client().transport().json());
        sb.append(" id=").append(f.query().id()).append(" → dnsflow");
        List<Attempt> attempts = f.attempts();
        for (int i = 0; i < attempts.size(); i++) {
            Attempt a = attempts.get(i);
            sb.append(" → ").append(upstream(f, i)).append(' ').append(a.transport().json()).append(" id=").append(a.id())
                    .append(' ').append(millis(a.rttMicros()));
            if (a.outcome() != AttemptOutcome.ANSWERED) {
                sb.append(' ').append(paint.paint(Part.FAILED_ATTEMPT, a.outcome().json()));
            }
        }
        sb.append("  ");
        sb.append(f.query().name() == null ? "(unreadable question)" : f.query().name() + " " + Mnemonics.type(f.query().type()));
        sb.append("  ");
        StringBuilder result = new StringBuilder(64);
        if (f.response() != null) {
            result.append(Mnemonics.rcode(f.response().rcode()));
            if (f.response().truncated()) {
                result.append(" TC");
            }
            for (String address : f.response().addresses()) {
                result.append(' ').append(address);
            }
        }
        if (f.outcome() != Outcome.ANSWERED) {
            result.append(" (").append(f.outcome().json()).append(" by dnsflow)");
        }
        if (result.length() > 0) {
            sb.append(paint.paint(Part.RESULT, result.toString()));
        }
        sb.append("  ").append(millis(f.durationMicros())).append(" total");
        return sb.toString();
    }

    /** Who asked: {@code default/mypod} when known (see {@link K8sNames#asker}), else the client's address and port. */
    public static String asker(Flow f) {
        K8sRef asker = K8sNames.asker(f);
        return asker != null ? asker.display() : hostPort(f.client().ip(), f.client().port());
    }

    /** Attempt {@code i}'s upstream: {@code kube-system/kube-dns} when known, else its address and port. */
    public static String upstream(Flow f, int i) {
        K8sRef named = f.names() == null ? null : f.names().upstream(i);
        return named != null ? named.display() : f.attempts().get(i).upstream();
    }

    /** The arrival time as the line shows it: {@code HH:mm:ss.SSS} in the local time zone. */
    public static String clock(long epochNanos) {
        return CLOCK.format(Instant.ofEpochSecond(0, epochNanos));
    }

    /** {@code 0.45ms} below 10 ms, whole milliseconds above. */
    public static String millis(long micros) {
        return micros < 10_000 ? String.format(Locale.ROOT, "%.2fms", micros / 1000.0) : (micros / 1000) + "ms";
    }

    /** {@code 10.0.0.5:53}, {@code [fd00::5]:53}: an IPv6 address in brackets, as upstreams are shown. */
    public static String hostPort(String ip, int port) {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
}
