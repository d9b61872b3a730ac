package dev.dnsflow.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.testing.Flows;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FlowRingTest {

    /** Flow number {@code n}: its name, query ID and duration all say n, so a reader can tell a torn flow. */
    static Flow numbered(long n) {
        return new Flow("flow-" + n, Flows.TIME + n, new Endpoint("10.0.0.1", (int) (n % 65536), Transport.UDP),
                new QueryInfo((int) (n % 65536), "q" + n + ".example.com.", 1, 1, true, false, false, 0, 30),
                List.of(), null, n, Outcome.SERVFAIL);
    }

    @Test
    void everyFieldSurvivesTheRing() {
        Flow plain = Flows.sample();
        Flow full = new Flow("01JF0000000000000000000001", Flows.TIME, new Endpoint("fd00::1", 53, Transport.TCP),
                new QueryInfo(65535, "ünïcode.example.", 28, 1, false, true, true, 4096, 512),
                List.of(new Attempt("10.0.0.2:53", Transport.TCP, -1, Flows.TIME - 5, 0, AttemptOutcome.ERROR)),
                null, 1_800_000, Outcome.CHAOS_DROP, new ChaosMark("slow-pods", "delay", 250_000),
                new Origin("10.244.1.7", 40000, Transport.UDP, "edns0", "web-1", "shop", 24, 4242),
                Extensions.NONE.with(CorednsSide.KEY, new CorednsSide(Flows.TIME - 1000, 0, -1, 0, false)));
        Flow nameless = new Flow("x", 0, new Endpoint("127.0.0.1", 0, Transport.UDP),
                new QueryInfo(0, null, 0, 0, false, false, false, 0, 12), List.of(), null, 0, Outcome.FORMERR, null,
                new Origin("10.0.0.0", 0, null, "ecs", null, null, null, null));
        FlowRing ring = new FlowRing(10);
        for (Flow f : List.of(plain, full, nameless)) {
            ring.add(f);
        }
        assertThat(ring.oldest(3)).extracting(FlowJson::toJson)
                .containsExactly(FlowJson.toJson(plain), FlowJson.toJson(full), FlowJson.toJson(nameless));
    }

    @Test
    void keepsTheNewestCapacityFlows() {
        FlowRing ring = new FlowRing(100);
        for (int n = 0; n < 250; n++) {
            ring.add(numbered(n));
        }
        assertThat(ring.size()).isEqualTo(100);
        assertThat(ring.firstHeld()).isEqualTo(150);
        assertThat(ring.oldest(1)).extracting(Flow::id).containsExactly("flow-150");
        assertThat(ring.newest(3, f -> true)).extracting(Flow::id).containsExactly("flow-249", "flow-248", "flow-247");
        assertThat(ring.newest(1000, f -> true)).hasSize(100);
        assertThat(ring.newest(2, f -> f.durationMicros() % 10 == 0)).extracting(Flow::id)
                .containsExactly("flow-240", "flow-230");
    }

    /** About 470 bytes encoded: a long name and forty addresses. */
    static Flow big(long n) {
        return new Flow("big-" + n, Flows.TIME + n, new Endpoint("10.0.0.1", 1, Transport.UDP),
                new QueryInfo(1, "x".repeat(60) + "." + "y".repeat(60) + "." + "z".repeat(60) + ".", 1, 1, true, false, false, 0, 200),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 1, Flows.TIME, 10, AttemptOutcome.ANSWERED)),
                new dev.dnsflow.flow.FlowResponse(0, 40, 900, false, fortyAddresses()), n, Outcome.ANSWERED);
    }

    @Test
    void bigFlowsEvictByBytesBeforeTheCountIsReached() {
        FlowRing ring = new FlowRing(300); // 76 800 bytes of arena
        ByteWriter w = new ByteWriter();
        FlowCodec.encode(big(0), w);
        int fit = 300 * FlowRing.BYTES_PER_FLOW / w.length();
        for (int n = 0; n < 1000; n++) {
            assertThat(ring.add(big(n))).isTrue();
        }
        assertThat(ring.size()).as("about %d of ~%d bytes fit, fewer than the 300 slots", fit, w.length())
                .isBetween(fit - 2, fit);
        assertThat(ring.written()).isEqualTo(1000);
        assertThat(ring.newest(1000, f -> true)).hasSize(ring.size())
                .allSatisfy(f -> assertThat(FlowJson.toJson(f)).isEqualTo(FlowJson.toJson(big(f.durationMicros()))));
    }

    @Test
    void aFlowLargerThanTheArenaIsRefusedAndTheRingKeepsWorking() {
        FlowRing ring = new FlowRing(1); // the minimum arena, 64 KiB
        ring.add(numbered(1));
        Flow huge = new Flow("huge", Flows.TIME, new Endpoint("10.0.0.1", 1, Transport.TCP),
                new QueryInfo(1, "example.", 1, 1, true, false, false, 0, 30), List.of(),
                new dev.dnsflow.flow.FlowResponse(0, 1, 65535, false, new byte[70_000]), 1, Outcome.ANSWERED);
        assertThat(ring.add(huge)).isFalse();
        assertThat(ring.newest(1, f -> true)).extracting(Flow::id).containsExactly("flow-1");
        ring.add(numbered(2));
        assertThat(ring.newest(5, f -> true)).extracting(Flow::id).containsExactly("flow-2");
        assertThat(ring.size()).isEqualTo(1);
    }

    @Test
    void aRingTheHeapCannotHoldIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> new FlowRing(1_000_000, 256L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--flow-buffer 1000000 needs 244 MiB").hasMessageContaining("-Xmx");
    }

    private static byte[] fortyAddresses() {
        byte[] raw = new byte[40 * 5];
        for (int i = 0; i < 40; i++) {
            raw[i * 5] = 4;
            raw[i * 5 + 1] = 10;
            raw[i * 5 + 4] = (byte) i;
        }
        return raw;
    }

    @Test
    void zeroKeepsNothingButCounts() {
        FlowRing ring = new FlowRing(0);
        ring.add(numbered(1));
        assertThat(ring.size()).isZero();
        assertThat(ring.written()).isEqualTo(1);
        assertThat(ring.newest(10, f -> true)).isEmpty();
        assertThat(ring.oldest(10)).isEmpty();
    }

    @Test
    void rejectsNegativeAndHugeCapacityNamingTheFlag() {
        assertThatThrownBy(() -> new FlowRing(-1)).hasMessageContaining("--flow-buffer");
        assertThatThrownBy(() -> new FlowRing(FlowRing.MAX_CAPACITY + 1)).hasMessageContaining("--flow-buffer");
    }

    /** Readers racing the writer see whole flows or none, never one stitched from two: slots reused ... */
    @Test
    void readersNeverSeeATornFlowWhenSlotsAreReused() throws Exception {
        race(new FlowRing(4), 1_000_000, FlowRingTest::numbered); // a tiny ring: the writer laps the readers all the time
    }

    /** ... or bytes overwritten (big flows fill the arena long before the slots run out). */
    @Test
    void readersNeverSeeATornFlowWhenBytesAreOverwritten() throws Exception {
        race(new FlowRing(300), 300_000, FlowRingTest::big);
    }

    private static void race(FlowRing ring, long flows, java.util.function.LongFunction<Flow> flow) throws Exception {
        AtomicReference<String> torn = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                boolean oldestFirst = false;
                while (ring.written() < flows && torn.get() == null) {
                    oldestFirst = !oldestFirst; // the oldest flows are the ones being overwritten as they are read
                    try {
                        for (Flow f : oldestFirst ? ring.oldest(8) : ring.newest(8, x -> true)) {
                            reads.incrementAndGet();
                            String expected = FlowJson.toJson(flow.apply(f.durationMicros()));
                            if (!FlowJson.toJson(f).equals(expected)) {
                                torn.set(FlowJson.toJson(f));
                            }
                        }
                    } catch (RuntimeException e) {
                        torn.set("unreadable: " + e);
                    }
                }
            });
            t.start();
            readers.add(t);
        }
        for (long n = 0; n < flows; n++) {
            ring.add(flow.apply(n));
        }
        for (Thread t : readers) {
            t.join(10_000);
        }
        assertThat(torn.get()).as("a torn flow").isNull();
        assertThat(reads.get()).as("the readers really raced the writer").isGreaterThan(1000);
    }
}
