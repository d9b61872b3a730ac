package dev.dnsflow.forward;

import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Stage;
import java.util.List;

/**
 * The last stage: sends the query upstream with a fresh, unpredictable ID and relays the answer
 * with the client's ID restored. Each event loop has its own {@link Forwarder}, so the hot path
 * shares no lock between loops.
 */
public final class ForwardStage implements Stage, AutoCloseable {
    private final List<Upstream> upstreams;
    private final Forwarder[] forwarders;
    private final HealthChecker health;

    public ForwardStage(List<LoopContext> loops, List<Upstream> upstreams, ForwardOptions options, Transports transports) {
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("at least one upstream is needed");
        }
        this.upstreams = List.copyOf(upstreams);
        this.forwarders = new Forwarder[loops.size()];
        for (LoopContext loop : loops) {
            forwarders[loop.index()] = new Forwarder(loop, options, this.upstreams, transports);
        }
        this.health = new HealthChecker(this.upstreams, options.healthCheckEvery());
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        forwarders[exchange.loop().index()].forward(exchange);
    }

    public List<Upstream> upstreams() {
        return upstreams;
    }

    /** Whether any upstream is considered up (readiness). */
    public boolean anyHealthy() {
        return upstreams.stream().anyMatch(Upstream::isHealthy);
    }

    /** UDP sockets replaced so far towards {@code upstream}, over all loops. */
    public long socketRotations(int upstream) {
        long sum = 0;
        for (Forwarder f : forwarders) {
            sum += f.rotations(upstream);
        }
        return sum;
    }

    /** Answers SERVFAIL to every query still waiting on an upstream, on {@code loop}'s thread. */
    public void abandonAll(LoopContext loop) {
        forwarders[loop.index()].abandonAll();
    }

    @Override
    public void close() {
        health.close();
        for (Forwarder f : forwarders) {
            f.loop().eventLoop().execute(f::close);
        }
    }
}
