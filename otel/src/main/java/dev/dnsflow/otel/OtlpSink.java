package dev.dnsflow.otel;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code --otlp-endpoint}: flows as traces. {@link #accept} runs on the recorder's thread and never blocks: it
 * decides whether the flow is sampled ({@link Sampling}, from the trace ID) and offers it to a bounded queue
 * ({@link #QUEUE_FLOWS}); a full queue drops the flow, counted in {@code dnsflow_flows_dropped_total{sink="otlp"}}.
 * One thread of its own turns queued flows into spans ({@link FlowSpans}) and hands them to the OTLP exporter in
 * batches of up to {@link #BATCH_SPANS}, waiting for each (at most the exporter's timeout plus a margin), so a slow
 * or absent collector holds back only this queue, never forwarding, and memory stays bounded by the queue.
 * A failed export is counted in {@code dnsflow_otlp_export_errors_total{reason}} and its flows as dropped; the
 * exporter itself retries 429/502/503/504 (honouring Retry-After) within its timeout.
 */
final class OtlpSink implements FlowSink {
    static final String NAME = "otlp";
    static final int QUEUE_FLOWS = 4096;
    static final int BATCH_SPANS = 512;
    /** Flows taken off the queue at a time (each makes one span and one per upstream attempt). */
    static final int BATCH_FLOWS = BATCH_SPANS / 2;
    /** How long the thread waits for more flows before exporting a partial batch. */
    static final long LINGER_MILLIS = 1000;
    /** How often a waiting thread looks whether the sink is closing. */
    static final long POLL_MILLIS = 200;
    /** At close, how long what is queued may take to export. */
    static final long FLUSH_MILLIS = 5000;
    private static final Logger LOG = Logger.getLogger(OtlpSink.class.getName());

    /** A flow to export, with its trace ID when sampling needed it already (else null: the thread computes it). */
    private record Queued(Flow flow, long[] traceId) {
        long[] traceIdOrCompute() {
            return traceId != null ? traceId : TraceIds.traceId(flow);
        }
    }

    private final SpanExporter exporter;
    private final ExportErrors.Attempts attempts;
    private final FlowSpans spans;
    private final Sampling sampling;
    private final ProxyMetrics metrics;
    private final Duration exportWait;
    private final BlockingQueue<Queued> queue;
    private final Counter exported;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closing;
    /** Set once the flush at close has had its time: the thread exports nothing more. */
    private volatile boolean stopped;
    private volatile long lastWarning;
    /** An export given up on while still running (see {@link #export}); only the thread touches it. */
    private CompletableResultCode abandoned;

    /**
     * @param exportWait how long one export may take before it is given up and counted as {@code timeout}: the
     *                   exporter's own timeout plus a margin
     */
    OtlpSink(SpanExporter exporter, FlowSpans spans, Sampling sampling, ProxyMetrics metrics, Duration exportWait,
             int queueFlows) {
        this(exporter, new ExportErrors.Attempts(), spans, sampling, metrics, exportWait, queueFlows);
    }

    /** @param attempts the exporter's retry predicate ({@link OtlpConfig}), which sees why each attempt failed */
    OtlpSink(SpanExporter exporter, ExportErrors.Attempts attempts, FlowSpans spans, Sampling sampling,
             ProxyMetrics metrics, Duration exportWait, int queueFlows) {
        this.exporter = exporter;
        this.attempts = attempts;
        this.spans = spans;
        this.sampling = sampling;
        this.metrics = metrics;
        this.exportWait = exportWait;
        this.queue = new ArrayBlockingQueue<>(queueFlows);
        MeterRegistry registry = metrics.registry();
        metrics.flowSink(NAME);
        exported = Counter.builder("dnsflow.otlp.spans.exported").description("Spans the OTLP collector accepted")
                .register(registry);
        Gauge.builder("dnsflow.otlp.queue", queue, BlockingQueue::size)
                .description("Flows waiting for the OTLP exporter (at most " + queueFlows + ")").register(registry);
        for (String reason : ExportErrors.AT_ZERO) {
            errorCounter(reason); // at 0, so alerts see the series before the first failure
        }
        thread = new Thread(this::run, "dnsflow-otlp");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void accept(Flow flow) {
        // The trace ID (a SHA-256) only when the ratio must decide: a kept flow's is made on the export thread.
        long[] traceId = null;
        if (!sampling.keptWhatever(flow)) {
            traceId = TraceIds.traceId(flow);
            if (!sampling.byTraceId(traceId[1])) {
                return;
            }
        }
        if (closing || !queue.offer(new Queued(flow, traceId))) {
            metrics.flowDropped(NAME);
        }
    }

    /**
     * Exports what is queued for at most {@link #FLUSH_MILLIS}, then stops the thread and the exporter (which cancels
     * an export under way). Every flow is counted by whoever takes it off the queue, so none is counted twice.
     */
    @Override
    public void close() {
        closing = true; // the thread sees it within POLL_MILLIS; an interrupt would cut short the flush's exports
        join(FLUSH_MILLIS);
        stopped = true;
        exporter.shutdown().join(1, TimeUnit.SECONDS);
        join(1000);
        List<Queued> left = new ArrayList<>();
        queue.drainTo(left);
        if (!left.isEmpty()) {
            metrics.flowDropped(NAME, left.size()); // what the flush had no time for
        }
    }

    private void join(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Queued> flows = new ArrayList<>();
        List<SpanData> batch = new ArrayList<>(BATCH_SPANS + 16);
        while (!stopped) {
            try {
                collect(flows);
            } catch (InterruptedException e) {
                return; // nobody interrupts this thread but the JVM going down
            }
            if (flows.isEmpty()) {
                if (closing) {
                    return;
                }
                continue;
            }
            int sent = 0;
            for (Queued q : flows) {
                try {
                    batch.addAll(spans.spans(q.flow(), q.traceIdOrCompute()));
                } catch (RuntimeException e) { // a flow the mapping did not foresee: lose it, not the thread
                    lost(1, "a flow could not be made into spans", e);
                    continue;
                }
                sent++;
                if (batch.size() >= BATCH_SPANS) {
                    export(batch, sent);
                    batch.clear();
                    sent = 0;
                }
            }
            if (!batch.isEmpty()) {
                export(batch, sent);
                batch.clear();
            }
            flows.clear();
        }
    }

    /**
     * Takes the next batch of flows off the queue: once a first one is there, it waits up to {@link #LINGER_MILLIS}
     * for a batch's worth, as the SDK's batch processor does, so a quiet node sends one request a second rather than
     * one per query. Closing ends the wait: the flush takes whatever is queued.
     */
    private void collect(List<Queued> flows) throws InterruptedException {
        if (closing) {
            queue.drainTo(flows, BATCH_FLOWS);
            return;
        }
        Queued first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (first == null) {
            return;
        }
        flows.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        while (true) {
            queue.drainTo(flows, BATCH_FLOWS - flows.size());
            long left = deadline - System.nanoTime();
            if (flows.size() >= BATCH_FLOWS || left <= 0 || closing) {
                return;
            }
            Queued next = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)), TimeUnit.NANOSECONDS);
            if (next != null) {
                flows.add(next);
            }
        }
    }

    private void export(List<SpanData> batch, int flowCount) {
        if (abandoned != null && (stopped ? !abandoned.isDone()
                : !abandoned.join(exportWait.toMillis(), TimeUnit.MILLISECONDS).isDone())) {
            // The exporter ignores its own timeout (OTEL_EXPORTER_OTLP_TIMEOUT=0 means none): one request left
            // hanging is all this sink keeps, so memory stays bounded; the batch is lost as a timeout.
            failed(ExportErrors.TIMEOUT, flowCount, null);
            return;
        }
        abandoned = null;
        CompletableResultCode result;
        attempts.reset();
        try {
            result = exporter.export(List.copyOf(batch)).join(exportWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            failed(ExportErrors.reason(e), flowCount, e);
            return;
        }
        if (result.isSuccess()) {
            exported.increment(batch.size());
        } else if (stopped || !result.isDone()) {
            if (!result.isDone()) {
                abandoned = result;
            }
            // Not done in time, or cancelled by close() once the flush had its time: how it then fails (socket
            // closed, cancelled, no reason) says nothing about the collector.
            failed(ExportErrors.TIMEOUT, flowCount, result.getFailureThrowable());
        } else {
            failed(ExportErrors.reason(result.getFailureThrowable(), attempts.last()), flowCount,
                    result.getFailureThrowable());
        }
    }

    private void failed(String reason, int flowCount, Throwable why) {
        errorCounter(reason).increment();
        lost(flowCount, "OTLP export failed (" + reason + ")", why);
    }

    private Counter errorCounter(String reason) {
        return errors.computeIfAbsent(reason, r -> Counter.builder("dnsflow.otlp.export.errors").tag("reason", r)
                .description("OTLP exports that failed, by reason (HTTP status, timeout, connection)")
                .register(metrics.registry()));
    }

    /** Counts lost flows and says so, at most once a minute. */
    private void lost(int flowCount, String what, Throwable why) {
        metrics.flowDropped(NAME, flowCount);
        long now = System.nanoTime();
        if (lastWarning == 0 || now - lastWarning > TimeUnit.SECONDS.toNanos(60)) {
            lastWarning = now;
            LOG.warning(what + (why == null ? "" : ": " + why) + "; " + flowCount + " flow(s) lost, counted in "
                    + "dnsflow_flows_dropped_total{sink=\"otlp\"}; warning at most once a minute");
        }
    }
}
