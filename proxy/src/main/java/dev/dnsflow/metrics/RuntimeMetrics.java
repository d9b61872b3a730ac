package dev.dnsflow.metrics;

import dev.dnsflow.net.Transports;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * The process around the proxy: JVM memory, GC, threads, CPU, uptime, and how much memory Netty's
 * buffer allocator holds ({@code dnsflow_netty_allocator_used_bytes{memory="heap|direct"}}).
 */
public final class RuntimeMetrics implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public RuntimeMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // Netty's default allocator plus the pooled one the UDP sockets read into (see Transports).
        List<ByteBufAllocatorMetric> allocators = new ArrayList<>();
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            allocators.add(provider.metric());
        }
        allocators.add(Transports.datagramAllocatorMetric());
        Gauge.builder("dnsflow.netty.allocator.used", allocators,
                        all -> all.stream().mapToLong(ByteBufAllocatorMetric::usedDirectMemory).sum())
                .tag("memory", "direct").baseUnit("bytes").description("Memory held by Netty's buffer allocators").strongReference(true)
                .register(registry);
        Gauge.builder("dnsflow.netty.allocator.used", allocators,
                        all -> all.stream().mapToLong(ByteBufAllocatorMetric::usedHeapMemory).sum())
                .tag("memory", "heap").baseUnit("bytes").description("Memory held by Netty's buffer allocators").strongReference(true)
                .register(registry);
    }

    @Override
    public void close() {
        gc.close();
    }
}
