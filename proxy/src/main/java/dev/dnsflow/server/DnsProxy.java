package dev.dnsflow.server;

import dev.dnsflow.acl.AclStage;
import dev.dnsflow.admin.AdminServer;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.format.FormatStage;
import dev.dnsflow.forward.ForwardStage;
import dev.dnsflow.forward.Upstream;
import dev.dnsflow.forward.UpstreamMetrics;
import dev.dnsflow.log.JsonLinesSink;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.record.FlowRing;
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

/**
 * A running dnsflow proxy: event loops, UDP and TCP frontends on one port, the stage chain
 * (acl → format → context → chaos → forward), the flow recorder with its sinks, and the admin server. The chain is
 * assembled in {@link #stages} and nowhere else.
 */
public final class DnsProxy implements AutoCloseable {
    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final Transports transports = Transports.best();
    private final EventLoopGroup group;
    private final List<LoopContext> loops = new ArrayList<>();
    private final FlowRecorder recorder;
    private final ForwardStage forward;
    private final Frontends frontends;
    private final AdminServer admin;
    private final dev.dnsflow.metrics.RuntimeMetrics runtime;
    private dev.dnsflow.chaos.ChaosRules chaosRules;
    private dev.dnsflow.chaos.ChaosFile chaosFile;
    /** Set when shutdown begins: /ready turns 503 at once (CoreDNS's lameduck). */
    private volatile boolean closed;
    /** How long without any query a stopping proxy waits before it takes no more (see {@link #shutdown}). */
    static final Duration QUIET = Duration.ofSeconds(1);

    private DnsProxy(ProxyConfig config, ProxyMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.recorder = new FlowRecorder(new FlowRing(config.flowBuffer()), metrics);
        this.runtime = new dev.dnsflow.metrics.RuntimeMetrics(metrics.registry());
        this.group = transports.newGroup(config.eventLoops());
        try {
            int index = 0;
            Map<EventLoop, LoopContext> byLoop = new IdentityHashMap<>();
            for (EventExecutor executor : group) {
                LoopContext loop = new LoopContext((EventLoop) executor, index++, metrics, recorder, recorder::active,
                        config.dnstap() != null);
                loops.add(loop);
                byLoop.put(loop.eventLoop(), loop);
            }
            UpstreamMetrics.Factory upstreamMetrics = UpstreamMetrics.Factory.of(metrics.registry());
            List<Upstream> upstreams = config.upstreams().stream()
                    .map(a -> new Upstream(a, config.forward().maxFails(), upstreamMetrics)).toList();
            this.forward = new ForwardStage(loops, upstreams, config.forward(), transports);
            this.chaosRules = new dev.dnsflow.chaos.ChaosRules(java.time.Clock.systemUTC());
            chaosRules.loadFlags(config.chaosRules());
            this.chaosFile = config.chaosFile() == null ? null
                    : new dev.dnsflow.chaos.ChaosFile(config.chaosFile(), chaosRules, java.time.Clock.systemUTC(), 1000);
            Pipeline pipeline = new Pipeline(stages(config, new dev.dnsflow.chaos.ChaosStage(chaosRules, metrics.registry()),
                    forward));
            this.frontends = Frontends.bind(config, transports, group, byLoop, pipeline, metrics);
            if (config.metricsNameCap() > 0) {
                recorder.addSink(new dev.dnsflow.metrics.NameMetrics(metrics.registry(), config.metricsNameCap()));
            }
            if (config.dnstap() != null) {
                recorder.addSink(openDnstap(config, frontends.address(), metrics));
            }
            FlowSink log = openFlowLog(config, metrics);
            if (log != null) {
                recorder.addSink(log);
            }
            this.admin = config.admin() == null ? null : startAdmin(config.admin());
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    public static DnsProxy start(ProxyConfig config) {
        return start(config, ProxyMetrics.prometheus());
    }

    public static DnsProxy start(ProxyConfig config, ProxyMetrics metrics) {
        return new DnsProxy(config, metrics);
    }

    private AdminServer startAdmin(java.net.InetSocketAddress address) {
        AdminServer server = new AdminServer(address);
        dev.dnsflow.admin.AdminApi.register(server, metrics, recorder, this::notReady,
                new dev.dnsflow.admin.ChaosApi(chaosRules, java.time.Clock.systemUTC()), config.adminToken());
        return server.start();
    }

    /** The query path, in order: acl → format → context → chaos → forward. A cache would slot in before forward. */
    static List<dev.dnsflow.pipeline.Stage> stages(ProxyConfig config, dev.dnsflow.chaos.ChaosStage chaos,
                                                    ForwardStage forward) {
        return List.of(new AclStage(config.allow()), new FormatStage(),
                new dev.dnsflow.context.ContextStage(config.contextCodes(), config.keepEcs()), chaos, forward);
    }

    private static FlowSink openDnstap(ProxyConfig config, java.net.InetSocketAddress local, ProxyMetrics metrics) {
        io.micrometer.core.instrument.Counter dropped = io.micrometer.core.instrument.Counter
                .builder("dnsflow.dnstap.dropped").description("dnstap messages dropped: queue full or no reader")
                .register(metrics.registry());
        dev.dnsflow.dnstap.FrameStreamsWriter writer = new dev.dnsflow.dnstap.FrameStreamsWriter(
                dev.dnsflow.dnstap.Destination.parse(config.dnstap()), dev.dnsflow.dnstap.FrameStreamsWriter.DEFAULT_QUEUE_CAPACITY,
                dropped::increment);
        io.micrometer.core.instrument.FunctionCounter.builder("dnsflow.dnstap.written", writer,
                        dev.dnsflow.dnstap.FrameStreamsWriter::written)
                .description("dnstap messages handed to the reader's socket or the file").register(metrics.registry());
        String identity = config.dnstapIdentity() != null ? config.dnstapIdentity() : hostname();
        return new dev.dnsflow.dnstap.DnstapSink(writer, dev.dnsflow.dnstap.DnstapEncoder.of(identity, "dnsflow " + version()),
                local);
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    public static String version() {
        String v = DnsProxy.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "dnsflow");
        }
    }

    private static FlowSink openFlowLog(ProxyConfig config, ProxyMetrics metrics) {
        if (config.flowLog() == null) {
            return null;
        }
        java.util.function.LongConsumer lost = n -> metrics.flowDropped("log", n);
        return config.flowLog().equals("-") ? JsonLinesSink.stdout(lost)
                : JsonLinesSink.file(config.flowLogPath(), config.flowLogMaxBytes(), config.flowLogKeep(), lost);
    }

    /** The address actually bound (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return frontends.address();
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
        return forward;
    }

    public dev.dnsflow.chaos.ChaosRules chaos() {
        return chaosRules;
    }

    public AdminServer admin() {
        return admin;
    }

    public String transportName() {
        return transports.name();
    }

    /** UDP sockets listening (one per event loop under epoll). */
    public List<Channel> udpChannels() {
        return frontends.udp();
    }

    /** Why /ready answers 503, or null when ready. */
    private String notReady() {
        if (closed) {
            return "shutting down";
        }
        return forward.anyHealthy() ? null : "no upstream is healthy";
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
            forward.abandonAll(loop);
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
    private void onEachLoop(java.util.function.Consumer<LoopContext> work) {
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

    /** Closes everything in order: sockets, upstreams, loops, then the recorder (flushing every sink), admin last. */
    private void stop() {
        if (frontends != null) {
            frontends.close();
        }
        if (chaosFile != null) {
            chaosFile.close();
        }
        if (forward != null) {
            forward.close();
        }
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        recorder.close();
        runtime.close();
        if (admin != null) {
            admin.close();
        }
    }
}
