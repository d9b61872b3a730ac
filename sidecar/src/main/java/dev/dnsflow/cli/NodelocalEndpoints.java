package dev.dnsflow.cli;

import dev.dnsflow.admin.AdminServer;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * node-cache's own HTTP endpoints, where its Corefile puts them: {@code /health} (CoreDNS's {@code health},
 * the DaemonSet's liveness probe, on the link-local address, port 8080) and {@code /metrics} (CoreDNS's
 * {@code prometheus :9253}, every address). Beside the admin API, which keeps its own address; one server
 * when both are the same address.
 */
final class NodelocalEndpoints implements Plugin {
    private final InetSocketAddress health;
    private final InetSocketAddress metrics;
    private volatile InetSocketAddress healthBound;
    private volatile InetSocketAddress metricsBound;

    /** @param health where {@code /health} answers, or null; @param metrics where {@code /metrics} answers, or null */
    NodelocalEndpoints(InetSocketAddress health, InetSocketAddress metrics) {
        this.health = health;
        this.metrics = metrics;
    }

    /** Where /health answers, as bound (null before start, or when off). */
    InetSocketAddress healthAddress() {
        return healthBound;
    }

    /** Where /metrics answers, as bound (null before start, or when off). */
    InetSocketAddress metricsAddress() {
        return metricsBound;
    }

    @Override
    public String name() {
        return "nodelocal";
    }

    @Override
    public void setup(Plan plan) {
        List<InetSocketAddress> at = new ArrayList<>();
        if (health != null) {
            at.add(health);
        }
        if (metrics != null && !Objects.equals(metrics, health)) {
            at.add(metrics);
        }
        for (InetSocketAddress address : at) {
            String what = address.equals(health) ? (address.equals(metrics) ? "/health and /metrics" : "/health") : "/metrics";
            plan.listener(() -> {
                AdminServer server;
                try {
                    server = new AdminServer(address); // answers /health by itself
                } catch (UncheckedIOException e) {
                    throw new IllegalStateException("cannot serve " + what + " on " + ProxyCommand.ProxyOptions.text(address)
                            + ": " + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()), e);
                }
                if (address.equals(metrics)) {
                    server.exact("/metrics", Set.of("GET"), exchange ->
                            AdminServer.respond(exchange, 200, "text/plain; version=0.0.4", plan.metrics().scrape()));
                    metricsBound = server.address();
                }
                if (address.equals(health)) {
                    healthBound = server.address();
                }
                return server.start();
            });
        }
    }
}
