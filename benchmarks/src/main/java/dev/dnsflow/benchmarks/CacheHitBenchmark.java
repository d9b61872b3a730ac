package dev.dnsflow.benchmarks;

import dev.dnsflow.cache.CacheKey;
import dev.dnsflow.cache.CacheOptions;
import dev.dnsflow.cache.CachedAnswer;
import dev.dnsflow.cache.FrontIndex;
import dev.dnsflow.cache.ResponseCache;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import dev.dnsflow.wire.ResponseReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cache's hit path as the stage runs it on an event loop: refill the loop's probe key from the query, look
 * it up (Caffeine), and write the answer into a pooled buffer with ID, case and TTLs patched; the buffer is
 * released as the channel would. One name, and a cache of 10 000 names walked in turn (misses in the CPU cache).
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CacheHit}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", // on a Netty thread, as the stage runs
        "-Djmh.executor.class=dev.dnsflow.benchmarks.EventLoopThreads"})
public class CacheHitBenchmark {
    private static final int NAMES = 10_000;
    /**
     * What the stage uses on UDP: the channel's allocator, pooled and direct (Transports); the query comes from it
     * too. Netty's default (adaptive) allocator, used here before, copies the question's name into the answer
     * through two NIO slices per hit, which the pooled one does not.
     */
    private final ByteBufAllocator alloc = new PooledByteBufAllocator(true);
    private final CacheKey probe = CacheKey.probe();
    /** How a hit is looked up: Caffeine alone, or the loop's {@link FrontIndex} before it (as the stage does). */
    @Param({"caffeine", "front"})
    public String lookup;
    private ResponseCache cache;
    private FrontIndex front;
    private ByteBuf[] queries;
    private ParsedQuery[] parsed;
    private int next;
    private int[] shuffled;

    @Setup
    public void setUp() {
        cache = new ResponseCache(CacheOptions.defaults().withParts(new CacheOptions.Part(NAMES, 3600),
                new CacheOptions.Part(NAMES, 5)), null, System::nanoTime);
        front = lookup.equals("front") ? new FrontIndex(cache) : null;
        java.util.Random random = new java.util.Random(15);
        shuffled = new int[100_000];
        for (int i = 0; i < shuffled.length; i++) {
            shuffled[i] = random.nextInt(1_000);
        }
        queries = new ByteBuf[NAMES];
        parsed = new ParsedQuery[NAMES];
        for (int i = 0; i < NAMES; i++) {
            String label = "svc-" + i;
            queries[i] = Unpooled.directBuffer().writeBytes(query(label, false));
            parsed[i] = new ParsedQuery();
            QueryParser.parse(queries[i], parsed[i]);
            if (cache.store(CacheKey.of(queries[i], parsed[i]), Unpooled.wrappedBuffer(answer(label))) == null) {
                throw new IllegalStateException("not cached: " + label);
            }
            queries[i].release();
            queries[i] = alloc.directBuffer().writeBytes(query(label, true)); // asked in another case
            parsed[i] = new ParsedQuery();
            QueryParser.parse(queries[i], parsed[i]);
        }
    }

    @Benchmark
    public int hitOneName() {
        return hit(0);
    }

    /** The harness's cache-hit mix: 1 000 names in a shuffled order, over and over. */
    @Benchmark
    public int hitAmong1000NamesShuffled() {
        int i = next;
        next = i + 1 == shuffled.length ? 0 : i + 1;
        return hit(shuffled[i]);
    }

    @Benchmark
    public int hitAmong10000Names() {
        int i = next;
        next = i + 1 == NAMES ? 0 : i + 1;
        return hit(i);
    }

    /** The lookup alone: probe refilled, the entry found. */
    @Benchmark
    public Object lookupOnly() {
        return lookup(0);
    }

    /**
     * How a recorded hit's flow gets its response summary: {@code parsed}, the answer written parsed again (as before
     * entries kept their addresses); {@code stored}, from the entry's addresses (as the stage does now).
     */
    @State(Scope.Thread)
    public static class Recording {
        @Param({"parsed", "stored"})
        public String summary;
        @Param({"1", "10000"})
        public int names;
    }

    /** A hit whose flow is recorded: the answer written, and the summary its flow keeps. */
    @Benchmark
    public Object recordedHit(Recording r) {
        int i = next;
        next = i + 1 >= r.names ? 0 : i + 1;
        CachedAnswer entry = lookup(i);
        ByteBuf out = entry.write(alloc, queries[i], parsed[i], entry.ttlLeft(cache.now()));
        Object summary = r.summary.equals("stored") ? ResponseReader.summarize(out, entry.addresses())
                : ResponseReader.summarize(out, parsed[i].questionEnd());
        out.release();
        return summary;
    }

    private int hit(int i) {
        CachedAnswer entry = lookup(i);
        long now = cache.now();
        ByteBuf out = entry.write(alloc, queries[i], parsed[i], entry.ttlLeft(now));
        int size = out.readableBytes();
        out.release();
        return size;
    }

    private CachedAnswer lookup(int i) {
        if (!probe.set(queries[i], parsed[i])) {
            throw new IllegalStateException();
        }
        return front != null ? front.get(probe, cache.now()) : cache.get(probe);
    }

    /** {@code LABEL.default.svc.cluster.local. A} with OPT (EDNS 1232). */
    static byte[] query(String label, boolean upper) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x1234).writeShort(0x0120).writeShort(1).writeShort(0).writeShort(0).writeShort(1);
        name(b, upper ? label.toUpperCase() : label);
        b.writeShort(1).writeShort(1);
        b.writeByte(0).writeShort(41).writeShort(1232).writeInt(0).writeShort(0);
        return bytes(b);
    }

    /** Its answer: two A records (compressed owner) and OPT, TTL 30. */
    static byte[] answer(String label) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x1234).writeShort(0x8580).writeShort(1).writeShort(2).writeShort(0).writeShort(1);
        name(b, label);
        b.writeShort(1).writeShort(1);
        for (int i = 1; i <= 2; i++) {
            b.writeShort(0xC00C).writeShort(1).writeShort(1).writeInt(30).writeShort(4).writeBytes(new byte[] {10, 0, 0, (byte) i});
        }
        b.writeByte(0).writeShort(41).writeShort(1232).writeInt(0).writeShort(0);
        return bytes(b);
    }

    /** Its NXDOMAIN: no answers, a SOA (root owner and names) in authority, TTL and MINIMUM 30. */
    static byte[] nxdomain(String label) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x1234).writeShort(0x8583).writeShort(1).writeShort(0).writeShort(1).writeShort(0);
        name(b, label);
        b.writeShort(1).writeShort(1);
        b.writeByte(0).writeShort(6).writeShort(1).writeInt(30).writeShort(22).writeByte(0).writeByte(0)
                .writeInt(1).writeInt(3600).writeInt(600).writeInt(86400).writeInt(30);
        return bytes(b);
    }

    private static void name(ByteBuf b, String label) {
        for (String part : (label + ".default.svc.cluster.local").split("\\.")) {
            byte[] l = part.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(l.length).writeBytes(l);
        }
        b.writeByte(0);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}
