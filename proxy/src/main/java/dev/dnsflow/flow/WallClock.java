package dev.dnsflow.flow;

import java.time.Instant;

/**
 * Nanosecond wall-clock time from {@link System#nanoTime()}: one reading of the real clock at start,
 * then monotonic offsets, so durations and timestamps agree and reading the time costs no syscall.
 */
public final class WallClock {
    private static final long ANCHOR_NANO = System.nanoTime();
    private static final long ANCHOR_EPOCH_NANOS;

    static {
        Instant now = Instant.now();
        ANCHOR_EPOCH_NANOS = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private WallClock() {
    }

    public static long epochNanos(long nanoTime) {
        return ANCHOR_EPOCH_NANOS + (nanoTime - ANCHOR_NANO);
    }

    public static long nowEpochNanos() {
        return epochNanos(System.nanoTime());
    }
}
