package dev.dnsflow.forward;

import dev.dnsflow.util.Addresses;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream server, shared by all event loops: its address and its health. Down after
 * {@code maxFails} consecutive failed attempts; the health checker brings it back when it answers.
 */
public final class Upstream {
    private final InetSocketAddress address;
    private final String label;
    private final int maxFails;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final UpstreamMetrics metrics;
    private volatile boolean healthy = true;

    public Upstream(InetSocketAddress address, int maxFails, UpstreamMetrics.Factory metrics) {
        this.address = address;
        String host = Addresses.text(address.getAddress());
        this.label = (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
        this.maxFails = maxFails;
        this.metrics = metrics.create(this);
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code ip:port}, as flows and metric labels show it. */
    public String label() {
        return label;
    }

    public boolean isHealthy() {
        return healthy;
    }

    public UpstreamMetrics metrics() {
        return metrics;
    }

    /** A valid answer of any rcode: CoreDNS too counts SERVFAIL and REFUSED as alive. */
    void succeeded() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (!healthy) {
            healthy = true;
        }
    }

    void failed() {
        if (consecutiveFailures.incrementAndGet() >= maxFails && healthy) {
            healthy = false;
        }
    }

    /** The health checker saw an answer to its probe. */
    void probeAnswered() {
        succeeded();
    }

    @Override
    public String toString() {
        return label + (healthy ? "" : " (down)");
    }
}
