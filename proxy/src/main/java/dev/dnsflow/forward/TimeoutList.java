package dev.dnsflow.forward;

/**
 * An intrusive FIFO of timers with one fixed duration each, so insertion order is expiry order: the
 * per-loop sweeper pops expired heads in O(1) each and removal is O(1). No timer object per query,
 * no ScheduledFuture, no allocation on add.
 */
final class TimeoutList {
    static final class Node {
        final InFlight owner;
        Node prev;
        Node next;
        long expiresAt;
        boolean linked;

        Node(InFlight owner) {
            this.owner = owner;
        }
    }

    private Node head;
    private Node tail;
    private int size;

    void add(Node n, long expiresAt) {
        remove(n);
        n.expiresAt = expiresAt;
        n.prev = tail;
        n.next = null;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
        n.linked = true;
        size++;
    }

    void remove(Node n) {
        if (!n.linked) {
            return;
        }
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.linked = false;
        size--;
    }

    /** Unlinks and returns the head if it has expired at {@code now}, else null. */
    Node pollExpired(long now) {
        Node h = head;
        if (h == null || h.expiresAt - now > 0) {
            return null;
        }
        remove(h);
        return h;
    }

    /** Unlinks and returns the head whether it has expired or not, or null when empty. */
    Node poll() {
        Node h = head;
        if (h != null) {
            remove(h);
        }
        return h;
    }

    int size() {
        return size;
    }
}
