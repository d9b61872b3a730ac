package dev.dnsflow.forward;

import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.DnsHeader;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last stage: sends the query upstream with a fresh, unpredictable ID and relays the answer
 * with the client's ID restored. Each event loop has its own {@link Forwarder} per route, so the hot
 * path shares no lock between loops.
 *
 * <p>Routes: the default upstreams, and one per {@code --zone} (its own upstreams, attempts and
 * policy; the longest zone containing the query's name wins, see {@link ZoneMatcher}). An upstream
 * named in several routes is one {@link Upstream}: one health and one set of metrics per server.
 */
public final class ForwardStage implements Stage, AutoCloseable {
    private final List<Upstream> upstreams;
    private final List<Upstream> all;
    private final List<Route> routes;
    /** [route][loop]; route 0 is the default. */
    private final Forwarder[][] forwarders;
    private final ZoneMatcher zones;
    private final HealthChecker health;

    /** A route as configured: its zone ({@code .} for the default), its upstreams and whether it forces TCP. */
    public record Route(String zone, List<Upstream> upstreams, boolean forceTcp) {
    }

    public ForwardStage(List<LoopContext> loops, List<Upstream> upstreams, ForwardOptions options, Transports transports) {
        this(new Route[] {new Route(".", upstreams, false)}, loops, options, transports);
    }

    /** @param routes the default route (zone {@code .}) first, then the zones' */
    public static ForwardStage routed(List<LoopContext> loops, List<Route> routes, ForwardOptions options,
                                      Transports transports) {
        return new ForwardStage(routes.toArray(new Route[0]), loops, options, transports);
    }

    private ForwardStage(Route[] given, List<LoopContext> loops, ForwardOptions options, Transports transports) {
        List<Route> routes = List.of(given);
        for (Route r : routes) {
            if (r.upstreams().isEmpty()) {
                throw new IllegalArgumentException("at least one upstream is needed" + (r.zone().equals(".") ? "" : " for zone " + r.zone()));
            }
        }
        this.routes = List.copyOf(routes);
        this.upstreams = List.copyOf(routes.get(0).upstreams());
        Map<Upstream, Boolean> distinct = new LinkedHashMap<>();
        routes.forEach(r -> r.upstreams().forEach(u -> distinct.put(u, true)));
        this.all = List.copyOf(distinct.keySet());
        List<byte[]> wires = new ArrayList<>();
        for (Route r : routes.subList(1, routes.size())) {
            wires.add(ForwardZone.wire(ForwardZone.normalize(r.zone())));
        }
        this.zones = new ZoneMatcher(wires);
        this.forwarders = new Forwarder[routes.size()][loops.size()];
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            for (LoopContext loop : loops) {
                forwarders[i][loop.index()] = new Forwarder(loop, options, List.copyOf(r.upstreams()), transports, r.forceTcp());
            }
        }
        this.health = new HealthChecker(this.all, options.healthCheckEvery());
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        forwarders[route(exchange)][exchange.loop().index()].forward(exchange);
    }

    /** 0 for the default route, else 1 + the index of the longest matching zone. */
    private int route(Exchange exchange) {
        if (zones.isEmpty() || !exchange.parsed().hasQuestion()) {
            return 0;
        }
        ByteBuf q = exchange.query();
        int base = q.readerIndex();
        return zones.match(q, base + DnsHeader.SIZE, base + exchange.parsed().nameEnd()) + 1;
    }

    /** The default upstreams (those of queries no zone matches). */
    public List<Upstream> upstreams() {
        return upstreams;
    }

    /** The routes: the default first, then the zones in the order given. */
    public List<Route> routes() {
        return routes;
    }

    /** Whether any upstream is considered up (readiness). */
    public boolean anyHealthy() {
        return all.stream().anyMatch(Upstream::isHealthy);
    }

    /** UDP sockets replaced so far towards the default route's {@code upstream}, over all loops. */
    public long socketRotations(int upstream) {
        long sum = 0;
        for (Forwarder f : forwarders[0]) {
            sum += f.rotations(upstream);
        }
        return sum;
    }

    /** Answers SERVFAIL to every query still waiting on an upstream, on {@code loop}'s thread. */
    public void abandonAll(LoopContext loop) {
        for (Forwarder[] route : forwarders) {
            route[loop.index()].abandonAll();
        }
    }

    @Override
    public void close() {
        health.close();
        for (Forwarder[] route : forwarders) {
            for (Forwarder f : route) {
                f.loop().eventLoop().execute(f::close);
            }
        }
    }
}
