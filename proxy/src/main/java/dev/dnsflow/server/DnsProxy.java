package dev.dnsflow.server;

import dev.dnsflow.admin.AdminApi;
import dev.dnsflow.admin.AdminServer;
import dev.dnsflow.chaos.ChaosRules;
import dev.dnsflow.forward.ForwardStage;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.metrics.RuntimeMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.record.FlowRing;
import dev.dnsflow.record.FlowEnricher;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running dnsflow proxy: event loops, UDP and TCP frontends on one port, and what its
 * {@link Plugin}s plan: the stage chain (in the order of {@link Plugins#declared}), flow sinks and
 * enrichers around the recorder, admin routes, listeners of their own. The whole plan is built before
 * anything is bound; nothing is attached after start.
 */
public final class DnsProxy implements AutoCloseable {
    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final Transports transports = Transports.best();
    private final EventLoopGroup group;
    private final List<LoopContext> loops = new ArrayList<>();
    private final FlowRecorder recorder;
    private final RuntimeMetrics runtime;
    private final Plan plan;
    private final Pipeline pipeline;
    private Frontends frontends;
    private AdminServer admin;
    /** Set when shutdown begins: /ready turns 503 at once (CoreDNS's lameduck). */
    private volatile boolean closed;
    /** How long without any query a stopping proxy waits before it takes no more (see {@link #shutdown}). */
    static final Duration QUIET = Duration.ofSeconds(1);

    private DnsProxy(ProxyConfig config, ProxyMetrics metrics, List<Plugin> extra) {
        this.config = config;
        this.metrics = metrics;
        this.recorder = new FlowRecorder(new FlowRing(config.flowBuffer()), metrics);
        this.runtime = new RuntimeMetrics(metrics.registry());
        this.group = transports.newGroup(config.eventLoops());
        int index = 0;
        Map<EventLoop, LoopContext> byLoop = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            LoopContext loop = new LoopContext((EventLoop) executor, index++, metrics, recorder, recorder::active, false);
            loops.add(loop);
            byLoop.put(loop.eventLoop(), loop);
        }
        this.plan = new Plan(loops, metrics, transports, recorder, config.flags(), config.listen());
        try {
            for (Plugin plugin : plugins(config, extra)) {
                plugin.setup(plan);
            }
            this.pipeline = new Pipeline(plan.stages());
            if (config.admin() != null) {
                admin = new AdminServer(config.admin());
                plan.sink(AdminApi.register(admin, metrics, recorder.ring(), this::notReady));
                plan.routes().forEach(register -> register.accept(admin));
            }
            List<FlowEnricher> enrichers = plan.enrichers();
            if (!enrichers.isEmpty()) {
                recorder.enricher(FlowEnricher.chain(enrichers));
            }
            boolean captureWire = recorder.wantsWire();
            loops.forEach(loop -> loop.captureWire(captureWire));
            this.frontends = Frontends.bind(config, transports, group, byLoop, pipeline, metrics);
            plan.bound(frontends.address());
            if (admin != null) {
                admin.start();
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    public static DnsProxy start(ProxyConfig config) {
        return start(config, ProxyMetrics.prometheus());
    }

    public static DnsProxy start(ProxyConfig config, ProxyMetrics metrics) {
        return new DnsProxy(config, metrics, List.of());
    }

    /**
     * A proxy with capabilities beyond the declared ones (the sidecar's dnstap join): they add sinks,
     * enrichers, routes and listeners; a stage on the query path needs a line in {@link Plugins#declared}.
     */
    public static DnsProxy start(ProxyConfig config, ProxyMetrics metrics, List<Plugin> extra) {
        return new DnsProxy(config, metrics, extra);
    }

    private static List<Plugin> plugins(ProxyConfig config, List<Plugin> extra) {
        List<Plugin> all = new ArrayList<>(Plugins.declared(config));
        all.addAll(extra);
        return all;
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    public static String version() {
        String v = DnsProxy.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The stages of the query path, by name, in order. */
    public List<String> chain() {
        return pipeline.stages().stream().map(Stage::name).toList();
    }

    /** The address actually bound (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return frontends.address();
    }

    /** Every address served, as bound, {@link #address()} first. */
    public List<InetSocketAddress> addresses() {
        return frontends.addresses();
    }

    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    public ProxyConfig config() {
        return config;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public FlowRecorder recorder() {
        return recorder;
    }

    /** Whether finished queries become flows (false with no ring, no sink and no stage). */
    public boolean recording() {
        return recorder.active();
    }

    public FlowRing ring() {
        return recorder.ring();
    }

    public ForwardStage forward() {
        return plan.shared(ForwardStage.class);
    }

    public ChaosRules chaos() {
        return plan.shared(ChaosRules.class);
    }

    public AdminServer admin() {
        return admin;
    }

    public String transportName() {
        return transports.name();
    }

    /** UDP sockets listening (one per event loop under epoll, per address). */
    public List<Channel> udpChannels() {
        return frontends.udp();
    }

    /** Why /ready answers 503, or null when ready. */
    private String notReady() {
        return closed ? "shutting down" : plan.notReady();
    }

    /** Stops at once: what is still in flight gets SERVFAIL and its flow. Calling it again does nothing. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /**
     * Stops gracefully (SIGTERM), like CoreDNS's lameduck: /ready turns 503 at once and queries are
     * still served while Kubernetes takes the endpoint away (and while CoreDNS in the same pod, in its
     * own lameduck, still forwards), for up to {@code grace}, or until nothing is in flight and no
     * query has arrived for {@link #QUIET}. Then new queries are dropped (counted as
     * {@code shutting_down}), whatever is still waiting gets SERVFAIL, every query gets its flow, the
     * sinks are flushed, and everything closes. Calling it again does nothing.
     */
    public synchronized void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        long until = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() - until < 0 && busy()) {
            sleep(10);
        }
        onEachLoop(loop -> {
            loop.stopTakingQueries();
            forward().abandonAll(loop);
            loop.abandonLive();
        });
        stop();
    }

    /** A query in flight, or one arrived within {@link #QUIET}: clients are still using us. */
    private boolean busy() {
        long now = System.nanoTime();
        boolean[] busy = new boolean[1];
        onEachLoop(loop -> busy[0] |= loop.live() > 0
                || loop.lastArrivalNanos() != 0 && now - loop.lastArrivalNanos() < QUIET.toNanos());
        return busy[0];
    }

    /** Runs {@code work} on each loop's own thread, one after another, and waits for it. */
    private void onEachLoop(Consumer<LoopContext> work) {
        for (LoopContext loop : loops) {
            loop.eventLoop().submit(() -> work.accept(loop)).syncUninterruptibly();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closes everything in order: sockets, then what the plugins left to close (upstreams, watchers, their
     * own listeners), the loops, then the recorder (flushing every sink), admin last.
     */
    private void stop() {
        if (frontends != null) {
            frontends.close();
        }
        plan.closeAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        recorder.close();
        runtime.close();
        if (admin != null) {
            admin.close();
        }
    }
}
