package dev.dnsflow.benchmarks;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's benchmark threads as Netty's own ({@code FastThreadLocalThread}s), so that a pooled allocator caches
 * buffers and recycles their objects for them as it does for an event loop; on a plain thread every buffer is a
 * new object. Selected with {@code -Djmh.executor=CUSTOM -Djmh.executor.class=} this class.
 */
public final class EventLoopThreads extends ThreadPoolExecutor {
    public EventLoopThreads(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
