package dev.dnsflow.plan;

import dev.dnsflow.admin.AdminServer;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.record.FlowRecorder;
import dev.dnsflow.record.FlowEnricher;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What a proxy is made of, collected from its {@link Plugin}s before anything is bound: the stages in
 * the order the plugins were declared, the flow sinks and enrichers, admin routes, readiness checks,
 * listeners to open once the DNS frontends are up, and what to close at the end. The proxy's own
 * parts (event loops, metrics, the flow recorder) are handed in so plugins can build on them.
 */
public final class Plan {
    private final List<LoopContext> loops;
    private final ProxyMetrics metrics;
    private final Transports transports;
    private final FlowRecorder recorder;
    private final Flags flags;
    private final List<Stage> stages = new ArrayList<>();
    private final List<FlowEnricher> enrichers = new ArrayList<>();
    private final List<Consumer<AdminServer>> routes = new ArrayList<>();
    private final List<Supplier<String>> readiness = new ArrayList<>();
    private final List<Supplier<AutoCloseable>> listeners = new ArrayList<>();
    private final List<AutoCloseable> closers = new ArrayList<>();
    private final Map<Class<?>, Object> parts = new LinkedHashMap<>();
    /** Where DNS is served: as configured until the frontends are bound, then as bound (the real port for 0). */
    private volatile InetSocketAddress listenAddress;

    public Plan(List<LoopContext> loops, ProxyMetrics metrics, Transports transports, FlowRecorder recorder, Flags flags,
                InetSocketAddress listen) {
        this.listenAddress = listen;
        this.loops = List.copyOf(loops);
        this.metrics = metrics;
        this.transports = transports;
        this.recorder = recorder;
        this.flags = flags;
    }

    // What plugins build on.

    /** The event loops, for stages that keep per-loop state. */
    public List<LoopContext> loops() {
        return loops;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public Transports transports() {
        return transports;
    }

    /** The flow recorder: its ring holds recent flows. */
    public FlowRecorder recorder() {
        return recorder;
    }

    /** The values of every plugin's declared flags. */
    public Flags flags() {
        return flags;
    }

    /**
     * Where DNS is served: the bound address once the frontends are up, the configured one before (they
     * differ only in a port asked as 0). A sink asks when a flow comes, not while it is planned.
     */
    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    // What plugins add.

    /** A stage on the query path, in the position of its plugin's line in the declared list. */
    public void stage(Stage stage) {
        stages.add(stage);
    }

    /** A flow sink; handed to the recorder at once, so it is closed with the recorder whatever happens next. */
    public void sink(FlowSink sink) {
        recorder.addSink(sink);
    }

    /** A step on the recorder's thread that may hold back, change or add flows (the sidecar's join). */
    public void enricher(FlowEnricher enricher) {
        enrichers.add(enricher);
    }

    /** Admin routes; registered only when the admin server is on. */
    public void routes(Consumer<AdminServer> register) {
        routes.add(register);
    }

    /** Why the proxy is not ready (for {@code /ready}), or null when this part is fine. */
    public void readiness(Supplier<String> notReady) {
        readiness.add(notReady);
    }

    /** A listener of the plugin's own (the sidecar's dnstap receiver), opened once the DNS frontends are bound. */
    public void listener(Supplier<AutoCloseable> open) {
        listeners.add(open);
    }

    /** Closed when the proxy stops, after its DNS sockets and before its event loops and recorder, last added first. */
    public void closeWhenStopped(AutoCloseable closeable) {
        closers.add(closeable);
    }

    /** Makes a part (e.g. the forward stage) available to the proxy and to plugins declared later. */
    public <T> void share(Class<T> type, T part) {
        if (parts.putIfAbsent(type, part) != null) {
            throw new IllegalStateException(type.getSimpleName() + " is already shared by another plugin");
        }
    }

    /** A part shared by an earlier plugin, or null. */
    public <T> T shared(Class<T> type) {
        return type.cast(parts.get(type));
    }

    // What the proxy reads back, in order.

    public List<Stage> stages() {
        return List.copyOf(stages);
    }

    public List<FlowEnricher> enrichers() {
        return List.copyOf(enrichers);
    }

    public List<Consumer<AdminServer>> routes() {
        return List.copyOf(routes);
    }

    /** The first reason any part gives for not being ready, or null. */
    public String notReady() {
        for (Supplier<String> check : readiness) {
            String why = check.get();
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** Records where DNS is served, then opens the plugins' own listeners; they close with {@link #closeAll}. */
    public void bound(InetSocketAddress address) {
        this.listenAddress = address;
        for (Supplier<AutoCloseable> open : listeners) {
            closers.add(open.get());
        }
    }

    /** Closes what the plugins left to close, last first; one failing does not stop the others. */
    public void closeAll() {
        for (int i = closers.size() - 1; i >= 0; i--) {
            try {
                closers.get(i).close();
            } catch (Exception e) {
                Logger.getLogger(Plan.class.getName()).warning("closing " + closers.get(i) + ": " + e);
            }
        }
        closers.clear();
    }
}
