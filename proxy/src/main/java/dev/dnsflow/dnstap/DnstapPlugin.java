package dev.dnsflow.dnstap;

import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * {@code dnstap}: every flow as dnstap messages to a socket or file ({@link DnstapSink}); the writer
 * queues and drops (counted in {@code dnsflow_dnstap_dropped_total}) rather than block.
 */
public final class DnstapPlugin implements Plugin {
    private final String destination;
    private final String identity;
    private final String version;

    /**
     * @param destination {@code unix:PATH}, {@code tcp:HOST:PORT} or {@code file:PATH}; null for no dnstap
     * @param identity    the dnstap identity field; null for the host name
     * @param version     the version field ("dnsflow 1.2.3")
     */
    public DnstapPlugin(String destination, String identity, String version) {
        this.destination = destination;
        this.identity = identity;
        this.version = version;
    }

    @Override
    public String name() {
        return "dnstap";
    }

    @Override
    public void setup(Plan plan) {
        if (destination == null) {
            return;
        }
        MeterRegistry registry = plan.metrics().registry();
        Counter dropped = Counter.builder("dnsflow.dnstap.dropped")
                .description("dnstap messages dropped: queue full or no reader").register(registry);
        FrameStreamsWriter writer = new FrameStreamsWriter(Destination.parse(destination), FrameStreamsWriter.DEFAULT_QUEUE_CAPACITY,
                dropped::increment);
        FunctionCounter.builder("dnsflow.dnstap.written", writer, FrameStreamsWriter::written)
                .description("dnstap messages handed to the reader's socket or the file").register(registry);
        plan.sink(new DnstapSink(writer, DnstapEncoder.of(identity != null ? identity : hostname(), version), plan::listenAddress));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "dnsflow");
        }
    }
}
