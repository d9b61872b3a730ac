package dev.dnsflow.flow;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * One readable line per flow: who asked (and with which ID), where dnsflow sent it (and with
 * which ID), how long it took and what came back, e.g.
 * <pre>19:21:17.123  127.0.0.1:40112 udp id=4242 → dnsflow → 127.0.0.1:5300 udp id=51234 0.4ms  example.com. A  NOERROR 192.0.2.1</pre>
 */
public final class FlowText {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private FlowText() {
    }

    public static String compact(Flow f) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(CLOCK.format(Instant.ofEpochSecond(0, f.timeEpochNanos()))).append("  ");
        sb.append(f.client().ip()).append(':').append(f.client().port()).append(' ').append(f.client().transport().json());
        sb.append(" id=").append(f.query().id()).append(" → dnsflow");
        List<Attempt> attempts = f.attempts();
        for (Attempt a : attempts) {
            sb.append(" → ").append(a.upstream()).append(' ').append(a.transport().json()).append(" id=").append(a.id())
                    .append(' ').append(millis(a.rttMicros()));
            if (a.outcome() != AttemptOutcome.ANSWERED) {
                sb.append(' ').append(a.outcome().json());
            }
        }
        sb.append("  ");
        sb.append(f.query().name() == null ? "(unreadable question)" : f.query().name() + " " + Type.string(f.query().type()));
        sb.append("  ");
        if (f.response() != null) {
            sb.append(Rcode.string(f.response().rcode()));
            if (f.response().truncated()) {
                sb.append(" TC");
            }
            for (String address : f.response().addresses()) {
                sb.append(' ').append(address);
            }
        }
        if (f.outcome() != Outcome.ANSWERED) {
            sb.append(" (").append(f.outcome().json()).append(" by dnsflow)");
        }
        sb.append("  ").append(millis(f.durationMicros())).append(" total");
        return sb.toString();
    }

    static String millis(long micros) {
        return micros < 10_000 ? String.format("%.2fms", micros / 1000.0) : (micros / 1000) + "ms";
    }
}
