package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;

/**
 * The newest flows in memory ({@code --flow-buffer}), for the API and tools. One writer (the
 * recorder thread) and any number of readers: slots hold immutable flows, so a reader sees either
 * the old or the new flow of a slot, never a torn one.
 */
public final class FlowRing {
    private final AtomicReferenceArray<Flow> slots;
    private volatile long written;

    public FlowRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("--flow-buffer must be at least 1");
        }
        this.slots = new AtomicReferenceArray<>(capacity);
    }

    void add(Flow flow) {
        long n = written;
        slots.lazySet((int) (n % slots.length()), flow);
        written = n + 1;
    }

    public int capacity() {
        return slots.length();
    }

    /** Flows ever added; more than {@link #capacity()} means older ones were overwritten. */
    public long written() {
        return written;
    }

    public int size() {
        return (int) Math.min(written, slots.length());
    }

    /** Up to {@code limit} of the oldest flows still held, oldest first. */
    public List<Flow> oldest(int limit) {
        List<Flow> out = new ArrayList<>(Math.min(limit, 256));
        long end = written;
        for (long i = Math.max(0, end - slots.length()); i < end && out.size() < limit; i++) {
            Flow f = slots.get((int) (i % slots.length()));
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** Up to {@code limit} flows matching {@code filter}, newest first. */
    public List<Flow> newest(int limit, Predicate<Flow> filter) {
        List<Flow> out = new ArrayList<>(Math.min(limit, 256));
        long end = written;
        long start = Math.max(0, end - slots.length());
        for (long i = end - 1; i >= start && out.size() < limit; i--) {
            Flow f = slots.get((int) (i % slots.length()));
            if (f != null && filter.test(f)) {
                out.add(f);
            }
        }
        return out;
    }
}
