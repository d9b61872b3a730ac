package dev.dnsflow.record;

import static dev.dnsflow.record.FlowRingTest.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.metrics.ProxyMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FlowRecorderTest {
    private static final int SINK_QUEUE = SinkThread.QUEUE_CAPACITY;

    @Test
    void aSinkThatBlocksForeverLosesOnlyItsOwnFlowsCountedUnderItsNameWhileTheRingAndOtherSinksCarryOn() throws Exception {
        ProxyMetrics metrics = ProxyMetrics.prometheus();
        BlockingSink stuck = new BlockingSink();
        CountingSink other = new CountingSink("other");
        int flows = SINK_QUEUE + 5_000;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        FlowRecorder recorder = new FlowRecorder(new FlowRing(1000), metrics);
        try {
            recorder.addSink(stuck);
            recorder.addSink(other);
            recorder.accept(numbered(0));
            assertThat(stuck.entered.await(5, TimeUnit.SECONDS)).as("the stuck sink took its first flow").isTrue();
            for (int n = 1; n < flows; n++) {
                recorder.accept(numbered(n));
                if (n % 1000 == 0) { // an event loop's pace: the recorder's own queue never fills
                    int written = n;
                    await(() -> recorder.ring().written() >= written, until);
                }
            }
            await(() -> recorder.ring().written() == flows && other.count.get() == flows, until);

            assertThat(recorder.ring().written()).as("flows in the ring").isEqualTo(flows);
            assertThat(recorder.ring().newest(1, f -> true)).extracting(Flow::id).containsExactly("flow-" + (flows - 1));
            assertThat(other.count.get()).as("flows the other sink got").isEqualTo(flows);
            String scrape = metrics.scrape();
            assertThat(dropped(scrape, "stuck")).as("one flow blocked in accept, a queue full waiting, the rest dropped")
                    .isEqualTo(flows - 1 - SINK_QUEUE);
            assertThat(dropped(scrape, "recorder")).isZero();
            assertThat(dropped(scrape, "other")).isZero();
        } finally {
            stuck.release.countDown();
            recorder.close();
        }
        assertThat(stuck.accepted.get()).as("what waited in its queue is delivered once it moves again")
                .isEqualTo(1 + SINK_QUEUE);
        assertThat(stuck.closed).isTrue();
    }

    @Test
    void closeDeliversEveryQueuedFlowToASlowSinkInOrderThenClosesIt() {
        SlowSink slow = new SlowSink();
        FlowRecorder recorder = new FlowRecorder(new FlowRing(100), ProxyMetrics.prometheus());
        recorder.addSink(slow);
        for (int n = 0; n < 3000; n++) {
            recorder.accept(numbered(n));
        }
        recorder.close();
        assertThat(slow.events).hasSize(3000 + slow.idles.get() + 1).last().isEqualTo("close");
        assertThat(slow.events.stream().filter(e -> e.startsWith("flow-")))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 3000).mapToObj(n -> "flow-" + n).toList());
    }

    @Test
    void drainReturnsOnceEverySinkHasTheFlowsAndHasFlushedThem() {
        SlowSink slow = new SlowSink();
        try (FlowRecorder recorder = new FlowRecorder(new FlowRing(100), ProxyMetrics.prometheus())) {
            recorder.addSink(slow);
            for (int n = 0; n < 200; n++) {
                recorder.accept(numbered(n));
            }
            recorder.drain(5000);
            List<String> seen = List.copyOf(slow.events);
            assertThat(seen.stream().filter(e -> e.startsWith("flow-"))).hasSize(200);
            assertThat(seen).last().as("flushed after the last flow").isEqualTo("idle");
        }
    }

    private static void await(BooleanSupplier condition, long until) {
        while (!condition.getAsBoolean() && System.nanoTime() - until < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** {@code dnsflow_flows_dropped_total{sink="NAME"}} as Prometheus shows it; 0 when absent. */
    private static long dropped(String scrape, String sink) {
        Matcher m = Pattern.compile("(?m)^dnsflow_flows_dropped_total\\{sink=\"" + sink + "\"} ([0-9.E]+)$").matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** Blocks in its first accept until released: a flow log on a disk that stopped answering. */
    private static final class BlockingSink implements FlowSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger accepted = new AtomicInteger();
        volatile boolean closed;

        @Override
        public String name() {
            return "stuck";
        }

        @Override
        public void accept(Flow flow) {
            accepted.incrementAndGet();
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class CountingSink implements FlowSink {
        private final String name;
        final AtomicInteger count = new AtomicInteger();

        CountingSink(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void accept(Flow flow) {
            count.incrementAndGet();
        }
    }

    /** Takes 20 µs a flow, and writes down every call. */
    private static final class SlowSink implements FlowSink {
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger idles = new AtomicInteger();

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public void accept(Flow flow) {
            LockSupport.parkNanos(20_000);
            events.add(flow.id());
        }

        @Override
        public void idle() {
            idles.incrementAndGet();
            events.add("idle");
        }

        @Override
        public void close() {
            events.add("close");
        }
    }
}
