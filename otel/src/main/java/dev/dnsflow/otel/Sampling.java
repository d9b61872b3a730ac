package dev.dnsflow.otel;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;

/**
 * Which flows are exported, decided once the flow is complete: every failed or slow flow, and of the others a
 * share {@code ratio} picked by the trace ID alone (its low 64 bits, unsigned, below {@code ratio × 2^64}, as
 * OpenTelemetry's TraceIdRatioBased does), so every hop of one query keeps or drops it alike.
 */
record Sampling(double ratio, long slowMicros) {
    private static final int SERVFAIL = 2;
    private static final int REFUSED = 5;

    Sampling {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio " + ratio + " is not within 0..1");
        }
    }

    boolean keep(Flow flow, long traceIdLow) {
        return keptWhatever(flow) || byTraceId(traceIdLow);
    }

    /** Whether the flow is kept whatever its trace ID: failed, slow, or every flow kept. */
    boolean keptWhatever(Flow flow) {
        return ratio >= 1 || failed(flow) || slow(flow);
    }

    boolean byTraceId(long traceIdLow) {
        if (ratio >= 1) {
            return true;
        }
        // Compare the top 63 bits: ratio × 2^63 fits a long, and the lowest bit changes nothing that matters.
        return (traceIdLow >>> 1) < (long) (ratio * 0x1p63);
    }

    boolean slow(Flow flow) {
        CorednsSide coredns = flow.get(CorednsSide.KEY);
        return flow.durationMicros() > slowMicros || coredns != null && coredns.durationMicros() > slowMicros;
    }

    /**
     * No answer, an answer dnsflow wrote because something failed, SERVFAIL or REFUSED (from anyone), an attempt that
     * failed ({@link #attemptFailed}: the attempts whose spans are ERROR), or a chaos rule's doing.
     */
    static boolean failed(Flow flow) {
        if (flow.chaos() != null || !answered(flow.outcome()) || flow.response() == null || badRcode(flow.response().rcode())) {
            return true;
        }
        for (Attempt a : flow.attempts()) {
            if (attemptFailed(a.outcome())) {
                return true;
            }
        }
        CorednsSide coredns = flow.get(CorednsSide.KEY);
        return coredns != null && (coredns.respondedEpochNanos() == 0 || badRcode(coredns.rcode()));
    }

    /** Every attempt that got no usable answer: timed out, failed, or abandoned at shutdown. Its span is ERROR. */
    static boolean attemptFailed(AttemptOutcome outcome) {
        return outcome != AttemptOutcome.ANSWERED && outcome != AttemptOutcome.TRUNCATED;
    }

    static boolean answered(Outcome outcome) {
        return outcome == Outcome.ANSWERED || outcome == Outcome.ANSWERED_AT_COREDNS;
    }

    static boolean badRcode(int rcode) {
        return rcode == SERVFAIL || rcode == REFUSED;
    }
}
