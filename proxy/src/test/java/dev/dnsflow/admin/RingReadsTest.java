package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RingReadsTest {
    /** Closing the server interrupts its threads: a reader waiting for a turn used to retry at once, forever. */
    @Test
    @Timeout(10)
    void aReaderWaitingForATurnEndsWhenItsThreadIsInterrupted() throws Exception {
        RingReads reads = new RingReads();
        CountDownLatch holding = new CountDownLatch(RingReads.AT_ONCE);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < RingReads.AT_ONCE; i++) {
            Thread holder = new Thread(() -> {
                try (RingReads.Reader r = reads.admit(null)) {
                    r.turn(() -> {
                        holding.countDown();
                        awaitQuietly(release);
                    });
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            holder.setDaemon(true);
            holder.start();
        }
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> waited = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try (RingReads.Reader r = reads.admit(null)) {
                waited.complete(r.turn(() -> { }));
            } catch (Throwable e) {
                waited.completeExceptionally(e);
            }
        });
        waiter.start();
        Thread.sleep(200); // waiting for a turn now
        waiter.interrupt();
        waiter.join(2000);
        release.countDown();

        assertThat(waiter.isAlive()).as("the waiting reader's thread ended").isFalse();
        assertThatThrownBy(() -> waited.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InterruptedIOException.class);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
