package dev.dnsflow.k8s;

import java.util.ArrayList;
import java.util.List;

/**
 * Who held each address when: an open-addressing table keyed by the 128 address bits, each slot a
 * chain of bindings, newest first. Not thread-safe by itself: {@link ClusterIndex} serialises writes
 * under its lock and validates the optimistic reads of {@link #find}.
 */
final class AddressHistory {
    /** The end of a binding that still holds. */
    private static final long ALIVE = Long.MAX_VALUE;

    /** One holder of an address, newest first: {@code object} for times in [since, until). */
    private record Binding(K8sObject object, long since, long until, Binding older) {
    }

    /** Linear probing; slots change in place under the write lock, arrays only with a resize. */
    private static final class Table {
        final long[] his;
        final long[] los;
        final Binding[] values;
        final int mask;

        Table(int capacity) {
            his = new long[capacity];
            los = new long[capacity];
            values = new Binding[capacity];
            mask = capacity - 1;
        }

        int slot(long hi, long lo) {
            int i = home(hi, lo, mask);
            while (values[i] != null && (his[i] != hi || los[i] != lo)) {
                i = (i + 1) & mask;
            }
            return i;
        }

        static int home(long hi, long lo, int mask) {
            long x = (lo ^ Long.rotateLeft(hi, 31)) * 0x9E3779B97F4A7C15L;
            return (int) (x ^ x >>> 32) & mask;
        }
    }

    private Table table = new Table(1024);
    private int used;

    /** Reads racing a write may see anything but never loop or fail; the caller validates. */
    K8sObject find(long hi, long lo, long at) {
        Table t = table;
        int i = Table.home(hi, lo, t.mask);
        for (int probes = 0; probes <= t.mask; probes++) {
            Binding b = t.values[i];
            if (b == null) {
                return null;
            }
            if (t.his[i] == hi && t.los[i] == lo) {
                for (int depth = 0; b != null && depth < 64; b = b.older, depth++) {
                    if (at >= b.since && at < b.until) {
                        return b.object;
                    }
                }
                return null;
            }
            i = (i + 1) & t.mask;
        }
        return null;
    }

    /** Forgets addresses whose grace after a deletion has passed. */
    void expire(long now) {
        Table t = table;
        List<long[]> emptied = new ArrayList<>();
        for (int i = 0; i <= t.mask; i++) {
            if (t.values[i] != null) {
                Binding pruned = prune(t.values[i], now);
                if (pruned == null) {
                    emptied.add(new long[] {t.his[i], t.los[i]});
                } else if (pruned != t.values[i]) {
                    t.values[i] = pruned;
                }
            }
        }
        for (long[] k : emptied) {
            put(k[0], k[1], null);
        }
    }

    /**
     * {@code object} holds the address from {@code since} on; when {@code replacing} held it until now
     * (the same object, updated), its binding is replaced rather than ended.
     */
    void hold(long hi, long lo, K8sObject object, long since, K8sObject replacing, long now) {
        Binding head = prune(get(hi, lo), now);
        head = replacing != null ? replace(head, replacing, object, since, ALIVE) : new Binding(object, since, ALIVE, head);
        put(hi, lo, head);
    }

    /** {@code object} no longer holds the address from {@code now} on. */
    void end(long hi, long lo, K8sObject object, long now) {
        Binding head = get(hi, lo);
        for (Binding b = head; b != null; b = b.older) {
            if (b.object == object) {
                put(hi, lo, prune(replace(head, object, object, b.since, now), now));
                return;
            }
        }
    }

    /** The chain with {@code object}'s binding changed to {@code with} over [since, until). */
    private static Binding replace(Binding b, K8sObject object, K8sObject with, long since, long until) {
        if (b == null) {
            return new Binding(with, since, until, null);
        }
        if (b.object == object) {
            return new Binding(with, since, until, b.older);
        }
        return new Binding(b.object, b.since, b.until, replace(b.older, object, with, since, until));
    }

    /** The chain without bindings whose grace has passed; the same chain when nothing expired. */
    private static Binding prune(Binding b, long now) {
        if (b == null) {
            return null;
        }
        Binding older = prune(b.older, now);
        if (b.until != ALIVE && b.until <= now - ClusterIndex.DELETED_GRACE_MILLIS) {
            return older;
        }
        return older == b.older ? b : new Binding(b.object, b.since, b.until, older);
    }

    private Binding get(long hi, long lo) {
        Table t = table;
        return t.values[t.slot(hi, lo)];
    }

    /** Sets or (null) removes the chain of an address; under the write lock. */
    private void put(long hi, long lo, Binding chain) {
        Table t = table;
        int i = t.slot(hi, lo);
        if (chain != null) {
            if (t.values[i] == null) {
                if ((used + 1) * 2 > t.values.length) {
                    grow();
                    put(hi, lo, chain);
                    return;
                }
                t.his[i] = hi;
                t.los[i] = lo;
                used++;
            }
            t.values[i] = chain;
            return;
        }
        if (t.values[i] == null) {
            return;
        }
        used--;
        // backward-shift deletion: move later entries of the run into the hole when their home allows
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & t.mask;
            if (t.values[j] == null) {
                break;
            }
            int home = Table.home(t.his[j], t.los[j], t.mask);
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                t.his[hole] = t.his[j];
                t.los[hole] = t.los[j];
                t.values[hole] = t.values[j];
                hole = j;
            }
        }
        t.values[hole] = null;
        t.his[hole] = 0;
        t.los[hole] = 0;
    }

    private void grow() {
        Table old = table;
        Table t = new Table(old.values.length * 2);
        for (int i = 0; i <= old.mask; i++) {
            if (old.values[i] != null) {
                int j = t.slot(old.his[i], old.los[i]);
                t.his[j] = old.his[i];
                t.los[j] = old.los[i];
                t.values[j] = old.values[i];
            }
        }
        table = t;
    }}
