package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** The cache stage in a pipeline of its own, where a test can end an exchange in ways a live proxy rarely does. */
class CacheStageTest {
    private static final long SECOND = 1_000_000_000L;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<Flow> flows = new ArrayList<>();
    private final LoopContext loop = new LoopContext(channel.eventLoop(), 0, ProxyMetrics.standalone(), flows::add);
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aPrefetchDroppedOnItsWayUpstreamReleasesItsClaimSoTheNextQueryRefreshes() {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults().withPrefetch(new CacheOptions.Prefetch(1,
                java.time.Duration.ofMinutes(1), 50)), null, clock::get);
        Message query = Wire.query("drop.example.com.", Type.A, 1);
        cache.store(CacheKey.of(Unpooled.wrappedBuffer(query.toWire()), parse(Unpooled.wrappedBuffer(query.toWire()))),
                Unpooled.wrappedBuffer(CacheTest.answer(query, 300).toWire()));
        clock.addAndGet(20 * SECOND); // 10 s left of 30: due
        int[] upstream = new int[1];
        Stage dropping = new Stage() {
            @Override
            public String name() {
                return "dropping";
            }

            @Override
            public void serve(Exchange exchange, Next next) {
                upstream[0]++;
                exchange.drop("test"); // the refresh is lost on its way: no answer comes back through the cache
            }
        };
        Pipeline pipeline = new Pipeline(List.of(new CacheStage(cache, new CacheMetrics(new SimpleMeterRegistry()),
                List.of(loop)), dropping));

        pipeline.serve(exchange(query));
        pipeline.serve(exchange(query));

        assertThat(upstream[0]).as("the second query finds the claim released and refreshes").isEqualTo(2);
        loop.flusher().flush();
        int answered = 0;
        for (Object out; (out = channel.readOutbound()) != null; answered++) {
            ReferenceCountUtil.release(out);
        }
        assertThat(answered).as("both clients answered from the entry, not waiting for the refresh").isEqualTo(2);
    }

    private Exchange exchange(Message query) {
        ByteBuf bytes = Wire.buf(query);
        return new Exchange(loop, channel, new InetSocketAddress("127.0.0.1", 5000), Transport.TCP, bytes,
                parse(bytes), System.nanoTime(), null);
    }

    private static ParsedQuery parse(ByteBuf bytes) {
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(bytes, parsed);
        return parsed;
    }
}
