package dev.dnsflow.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads over the whole ring (flow lists, top) take turns. Decoding and encoding 100 000 flows is
 * real CPU, and on a two-core node eight such readers at once would leave the event loops a
 * fraction of it; so at most {@link #AT_ONCE} readers work at a time. A reader holds its turn only
 * while it decodes and encodes one chunk, never while it writes to its client, so a client that
 * stops reading (a pipe into {@code less}) holds a thread, not everyone's turn. At most
 * {@link #ADMITTED} requests are in at once; more get 503 at once rather than piling up threads.
 */
final class RingReads {
    static final int AT_ONCE = 2;
    static final int ADMITTED = 16;
    /** How long a reader waits for a turn before it is told to come back. */
    private static final long WAIT_SECONDS = 30;

    private final Semaphore turns = new Semaphore(AT_ONCE, true);
    private final AtomicInteger admitted = new AtomicInteger();

    /** Some work done in one turn. */
    @FunctionalInterface
    interface Work {
        void run() throws IOException;
    }

    /** A request admitted to read the ring; close it when done. */
    final class Reader implements AutoCloseable {
        private boolean closed;

        /**
         * Runs {@code work} while holding a turn; returns false when no turn came in time. Interrupted
         * (the server is closing) it throws rather than returning false: a caller that retries on
         * false would otherwise fail again at once, forever, at full CPU.
         */
        boolean turn(Work work) throws IOException {
            try {
                if (!turns.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("admin server closing");
            }
            try {
                work.run();
                return true;
            } finally {
                turns.release();
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                admitted.decrementAndGet();
            }
        }
    }

    /** Admits the request, or answers 503 (with Retry-After) and returns null when too many are in. */
    Reader admit(HttpExchange exchange) throws IOException {
        if (admitted.incrementAndGet() > ADMITTED) {
            admitted.decrementAndGet();
            busy(exchange);
            return null;
        }
        return new Reader();
    }

    /**
     * Runs {@code work} for the request in one turn: true when it ran; false when the request was
     * answered 503 instead (too many in, or no turn in time).
     */
    boolean once(HttpExchange exchange, Work work) throws IOException {
        try (Reader reader = admit(exchange)) {
            if (reader == null) {
                return false;
            }
            if (!reader.turn(work)) {
                busy(exchange);
                return false;
            }
            return true;
        }
    }

    /** The answer for a reader that cannot be served now. */
    static void busy(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "1");
        AdminServer.respond(exchange, 503, "text/plain", "too many flow reads at once (" + ADMITTED + " in, " + AT_ONCE
                + " working); try again\n");
    }
}
