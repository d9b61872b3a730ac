package dev.dnsflow.metrics;

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
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            Gauge.builder("dnsflow.netty.allocator.used", metric, ByteBufAllocatorMetric::usedDirectMemory)
                    .tag("memory", "direct").baseUnit("bytes").description("Memory held by Netty's buffer allocator")
                    .register(registry);
            Gauge.builder("dnsflow.netty.allocator.used", metric, ByteBufAllocatorMetric::usedHeapMemory)
                    .tag("memory", "heap").baseUnit("bytes").description("Memory held by Netty's buffer allocator")
                    .register(registry);
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
