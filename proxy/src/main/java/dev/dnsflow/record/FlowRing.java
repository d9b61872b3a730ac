package dev.dnsflow.record;

import dev.dnsflow.flow.Flow;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The newest flows in memory ({@code --flow-buffer}), for the API and tools. Flows are kept encoded
 * ({@link FlowCodec}) in one preallocated byte array and decoded when read: holding 100 000 flows as
 * objects kept every one alive through several young collections and made the collector copy them,
 * which was the proxy's whole latency tail. One byte array is never traced.
 *
 * <p>One writer (the recorder thread) and any number of readers, without locks: the writer announces
 * what it is about to overwrite ({@code claimed}, {@code reserved}) before writing, and a reader
 * copies a flow's bytes, then checks that neither its slot nor its bytes were claimed meanwhile
 * (a per-flow seqlock). A flow that was overwritten while being read is simply no longer held.
 */
public final class FlowRing {
    /** Bytes set aside per flow; typical flows take about 130 (sidecar flows with pod names somewhat more). */
    static final int BYTES_PER_FLOW = 256;
    /** Keeps the arena one Java array. */
    public static final int MAX_CAPACITY = (Integer.MAX_VALUE - 64) / BYTES_PER_FLOW;
    /** Small rings still take any flow (the largest, a 64 KiB answer's addresses and all, stays well under this). */
    private static final int MIN_ARENA = 64 << 10;

    private final int capacity;
    private final byte[] arena;
    private final long[] starts;
    private final int[] lengths;
    private final ByteWriter scratch = new ByteWriter();
    /** Flows published: readers may read indexes below this. */
    private volatile long written;
    /** Flows whose slot the writer has claimed (written, or written + 1 during a write). */
    private volatile long claimed;
    /** Absolute arena position up to which the writer has claimed bytes. */
    private volatile long reserved;
    /** Index of the oldest flow whose bytes are still intact. */
    private volatile long oldest;

    /** @param capacity flows to keep; 0 keeps none */
    public FlowRing(int capacity) {
        this(capacity, Runtime.getRuntime().maxMemory());
    }

    /** @param heap the most heap the JVM may use; the arena may take half of it */
    FlowRing(int capacity, long heap) {
        if (capacity < 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("--flow-buffer must be between 0 and " + MAX_CAPACITY + ", got " + capacity);
        }
        long bytes = capacity == 0 ? 0 : Math.max((long) capacity * BYTES_PER_FLOW, MIN_ARENA);
        if (bytes > heap / 2) {
            throw new IllegalArgumentException("--flow-buffer " + capacity + " needs " + (bytes >> 20) + " MiB of heap, "
                    + "more than half of the " + (heap >> 20) + " MiB this JVM may use: lower --flow-buffer or raise -Xmx "
                    + "(DNSFLOW_JAVA_OPTS)");
        }
        this.capacity = capacity;
        this.arena = new byte[(int) bytes];
        this.starts = new long[capacity];
        this.lengths = new int[capacity];
    }

    /**
     * The recorder thread only. Returns false for a flow larger than the whole arena, which is not
     * kept (the caller counts it); a ring of 0 keeps nothing and says so by its capacity, not here.
     */
    boolean add(Flow flow) {
        if (capacity == 0) {
            written++;
            return true;
        }
        FlowCodec.encode(flow, scratch);
        int length = scratch.length();
        if (length > arena.length) {
            return false;
        }
        long n = written;
        long start = reserved;
        int offset = (int) (start % arena.length);
        if (offset + length > arena.length) {
            start += arena.length - offset; // records never wrap; the tail is left unused
            offset = 0;
        }
        long end = start + length;
        claimed = n + 1;
        reserved = end;
        VarHandle.storeStoreFence(); // readers must see the claims before any overwritten byte
        long keep = Math.max(oldest, n + 1 - capacity);
        while (keep < n && starts[(int) (keep % capacity)] < end - arena.length) {
            keep++;
        }
        oldest = keep;
        System.arraycopy(scratch.array(), 0, arena, offset, length);
        int slot = (int) (n % capacity);
        starts[slot] = start;
        lengths[slot] = length;
        written = n + 1;
        return true;
    }

    public int capacity() {
        return capacity;
    }

    /** Flows ever added; those before {@link #firstHeld()} are no longer held. */
    public long written() {
        return written;
    }

    /** Index of the oldest flow still held (flows written before it were overwritten). */
    public long firstHeld() {
        return capacity == 0 ? written : oldest;
    }

    public int size() {
        long first = firstHeld(); // first, then written: the writer only moves both forward, so this is never negative
        return (int) Math.min(capacity, Math.max(0, written - first));
    }

    /** Up to {@code limit} of the oldest flows still held, oldest first. */
    public List<Flow> oldest(int limit) {
        List<Flow> out = new ArrayList<>(Math.min(limit, 256));
        long end = written;
        byte[] buffer = new byte[BYTES_PER_FLOW];
        for (long i = firstHeld(); i < end && out.size() < limit; i++) {
            Flow f = read(i, buffer);
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** Up to {@code limit} flows matching {@code filter}, newest first. */
    public List<Flow> newest(int limit, Predicate<Flow> filter) {
        List<Flow> out = new ArrayList<>(Math.min(limit, 256));
        newest(limit, filter, out::add);
        return out;
    }

    /**
     * Hands up to {@code limit} flows matching {@code filter} to {@code each}, newest first, one at a
     * time: a reader of the whole ring holds one decoded flow, not a list of all of them.
     *
     * @return how many were handed over
     */
    public int newest(int limit, Predicate<Flow> filter, Consumer<Flow> each) {
        Cursor cursor = newestFirst(limit);
        read(cursor, filter, each, () -> false);
        return cursor.found;
    }

    /** A place to read on from, newest first: a long read can be done in parts, with pauses between. */
    public Cursor newestFirst(int limit) {
        return new Cursor(written - 1, limit);
    }

    /**
     * Reads on from {@code cursor}, handing matching flows to {@code each}, until the limit is
     * reached, the ring has nothing older, or {@code pause} says so (asked after each flow handed over).
     */
    public void read(Cursor cursor, Predicate<Flow> filter, Consumer<Flow> each, BooleanSupplier pause) {
        byte[] buffer = new byte[BYTES_PER_FLOW];
        while (!cursor.done()) {
            long i = cursor.next;
            Flow f = i >= firstHeld() ? read(i, buffer) : null;
            if (f == null) {
                cursor.next = -1; // gone, or overwritten while we read: so is everything older
                return;
            }
            cursor.next = i - 1;
            if (filter.test(f)) {
                each.accept(f);
                cursor.found++;
                if (pause.getAsBoolean()) {
                    return;
                }
            }
        }
    }

    /** Where a reader is; see {@link #newestFirst}. */
    public static final class Cursor {
        private long next;
        private final int limit;
        private int found;

        private Cursor(long next, int limit) {
            this.next = next;
            this.limit = limit;
        }

        public boolean done() {
            return next < 0 || found >= limit;
        }

        public int found() {
            return found;
        }
    }

    /** Flow {@code i} (below {@link #written}), or null when it was overwritten before or while it was read. */
    private Flow read(long i, byte[] buffer) {
        int slot = (int) (i % capacity);
        long start = starts[slot];
        int length = lengths[slot];
        if (length <= 0 || length > arena.length) {
            return null;
        }
        byte[] copy = length <= buffer.length ? buffer : new byte[length];
        System.arraycopy(arena, (int) (start % arena.length), copy, 0, Math.min(length, arena.length - (int) (start % arena.length)));
        VarHandle.loadLoadFence(); // the copy happens before the claims are checked
        if (i < claimed - capacity || start < reserved - arena.length) {
            return null;
        }
        return FlowCodec.decode(new ByteReader(copy, length));
    }
}
