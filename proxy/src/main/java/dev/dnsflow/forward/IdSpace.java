package dev.dnsflow.forward;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * The 65 536 message IDs of one upstream socket or connection, each a preallocated slot. An ID is
 * drawn at random from the free ones in O(1) (swap-remove from a free array) so the next ID cannot be
 * guessed from the last, and an ID is never handed out twice while its slot is live. When all are
 * in use, {@link #allocate} returns -1 and the caller counts it: nothing is overwritten.
 */
public final class IdSpace<T> {
    public static final int SIZE = 1 << 16;

    private final Object[] slots = new Object[SIZE];
    private final char[] free = new char[SIZE];
    private final SplittableRandom random;
    private int freeCount = SIZE;

    public IdSpace() {
        // Seeded from the system's secure source; sockets rotate, so seeds do too.
        this(new SplittableRandom(new SecureRandom().nextLong()));
    }

    IdSpace(SplittableRandom random) {
        this.random = random;
        for (int i = 0; i < SIZE; i++) {
            free[i] = (char) i;
        }
    }

    /** @return the ID now owned by {@code owner}, or -1 when none is free */
    public int allocate(T owner) {
        if (freeCount == 0) {
            return -1;
        }
        int pick = random.nextInt(freeCount);
        int id = free[pick];
        free[pick] = free[--freeCount];
        slots[id] = owner;
        return id;
    }

    @SuppressWarnings("unchecked")
    public T get(int id) {
        return (T) slots[id];
    }

    /** Frees {@code id} if it is held by {@code owner}; returns whether it was. */
    public boolean release(int id, T owner) {
        if (slots[id] != owner || owner == null) {
            return false;
        }
        slots[id] = null;
        free[freeCount++] = (char) id;
        return true;
    }

    public int inUse() {
        return SIZE - freeCount;
    }

    /** Calls {@code action} for every live slot (for failing them when a connection dies). */
    @SuppressWarnings("unchecked")
    void forEachLive(BiConsumer<Integer, T> action) {
        for (int id = 0; id < SIZE && inUse() > 0; id++) {
            Object owner = slots[id];
            if (owner != null) {
                action.accept(id, (T) owner);
            }
        }
    }
}
