package dev.dnsflow.benchmarks;

import dev.dnsflow.cache.CacheKey;
import dev.dnsflow.cache.CacheOptions;
import dev.dnsflow.cache.CachedAnswer;
import dev.dnsflow.cache.ResponseCache;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
@Fork(1)
public class CacheHitBenchmark {
    private static final int NAMES = 10_000;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT; // what the stage uses
    private final CacheKey probe = CacheKey.probe();
    private ResponseCache cache;
    private ByteBuf[] queries;
    private ParsedQuery[] parsed;
    private int next;

    @Setup
    public void setUp() {
        cache = new ResponseCache(CacheOptions.defaults().withParts(new CacheOptions.Part(NAMES, 3600),
                new CacheOptions.Part(NAMES, 5)), null, System::nanoTime);
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
            queries[i] = Unpooled.directBuffer().writeBytes(query(label, true)); // asked in another case
            parsed[i] = new ParsedQuery();
            QueryParser.parse(queries[i], parsed[i]);
        }
    }

    @Benchmark
    public int hitOneName() {
        return hit(0);
    }

    @Benchmark
    public int hitAmong10000Names() {
        int i = next;
        next = i + 1 == NAMES ? 0 : i + 1;
        return hit(i);
    }

    /** The lookup alone: probe refilled, Caffeine asked. */
    @Benchmark
    public Object lookupOnly() {
        probe.set(queries[0], parsed[0]);
        return cache.get(probe);
    }

    private int hit(int i) {
        ByteBuf query = queries[i];
        if (!probe.set(query, parsed[i])) {
            throw new IllegalStateException();
        }
        CachedAnswer entry = cache.get(probe);
        long now = cache.now();
        ByteBuf out = entry.write(alloc, query, parsed[i], entry.ttlLeft(now));
        int size = out.readableBytes();
        out.release();
        return size;
    }

    /** {@code LABEL.default.svc.cluster.local. A} with OPT (EDNS 1232). */
    private static byte[] query(String label, boolean upper) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x1234).writeShort(0x0120).writeShort(1).writeShort(0).writeShort(0).writeShort(1);
        name(b, upper ? label.toUpperCase() : label);
        b.writeShort(1).writeShort(1);
        b.writeByte(0).writeShort(41).writeShort(1232).writeInt(0).writeShort(0);
        return bytes(b);
    }

    /** Its answer: two A records (compressed owner) and OPT, TTL 30. */
    private static byte[] answer(String label) {
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
