package dev.dnsflow.benchmarks;

import dev.dnsflow.cache.CacheKey;
import dev.dnsflow.cache.CacheOptions;
import dev.dnsflow.cache.CachedAnswer;
import dev.dnsflow.cache.FrontIndex;
import dev.dnsflow.cache.ResponseCache;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The harness's cache-hit mix as nodelocal serves it: two event loops sharing one cache, each with its own probe
 * (and front, for {@code front}), asking 1 000 names (150 of them NXDOMAIN, in the denial part, which a lookup
 * reaches after missing the success part) in a shuffled order. Caffeine's read buffers and maintenance are shared
 * between the threads, as in the proxy. Run: {@code java -jar benchmarks/target/benchmarks.jar CacheHitShared}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.dnsflow.benchmarks.EventLoopThreads"})
public class CacheHitSharedBenchmark {
    private static final int NAMES = 1_000;
    private static final int NXDOMAIN = 150;

    /** How a hit is looked up: Caffeine alone, or each loop's {@link FrontIndex} before it (as the stage does). */
    @Param({"caffeine", "front"})
    public String lookup;
    private final ByteBufAllocator alloc = new PooledByteBufAllocator(true);
    private final AtomicInteger loops = new AtomicInteger();
    private ResponseCache cache;
    private ByteBuf[] queries;
    private ParsedQuery[] parsed;

    @Setup
    public void setUp() {
        // An hour's TTL caps, so no entry expires during a run (the denial part's default cap is 5 s).
        cache = new ResponseCache(CacheOptions.defaults().withParts(new CacheOptions.Part(10 * NAMES, 3600),
                new CacheOptions.Part(10 * NAMES, 3600)), null, System::nanoTime);
        queries = new ByteBuf[NAMES];
        parsed = new ParsedQuery[NAMES];
        for (int i = 0; i < NAMES; i++) {
            String label = "svc-" + i;
            ByteBuf stored = Unpooled.wrappedBuffer(CacheHitBenchmark.query(label, false));
            ParsedQuery p = new ParsedQuery();
            QueryParser.parse(stored, p);
            byte[] answer = i < NXDOMAIN ? CacheHitBenchmark.nxdomain(label) : CacheHitBenchmark.answer(label);
            if (cache.store(CacheKey.of(stored, p), Unpooled.wrappedBuffer(answer)) == null) {
                throw new IllegalStateException("not cached: " + label);
            }
            queries[i] = alloc.directBuffer().writeBytes(CacheHitBenchmark.query(label, true));
            parsed[i] = new ParsedQuery();
            QueryParser.parse(queries[i], parsed[i]);
        }
    }

    /** One event loop: its probe, its front, its own shuffled order of the names. */
    @State(Scope.Thread)
    public static class Loop {
        final CacheKey probe = CacheKey.probe();
        FrontIndex front;
        int[] order;
        int next;

        @Setup
        public void setUp(CacheHitSharedBenchmark b) {
            front = b.lookup.equals("front") ? new FrontIndex(b.cache) : null;
            Random random = new Random(b.loops.incrementAndGet());
            order = new int[100_000];
            for (int i = 0; i < order.length; i++) {
                order[i] = random.nextInt(NAMES);
            }
        }
    }

    @Benchmark
    public int hit(Loop loop) {
        int n = loop.next;
        loop.next = n + 1 == loop.order.length ? 0 : n + 1;
        int i = loop.order[n];
        if (!loop.probe.set(queries[i], parsed[i])) {
            throw new IllegalStateException();
        }
        long now = cache.now();
        CachedAnswer entry = loop.front != null ? loop.front.get(loop.probe, now) : cache.get(loop.probe);
        ByteBuf out = entry.write(alloc, queries[i], parsed[i], entry.ttlLeft(now));
        int size = out.readableBytes();
        out.release();
        return size;
    }
}
