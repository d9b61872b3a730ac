package dev.dnsflow.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.metrics.ProxyMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/v1/flows/stream}: live flows matching the filters, as NDJSON, or as server-sent
 * events when the client asks for {@code text/event-stream}. Each client has a bounded queue filled
 * by the recorder thread; when a client reads too slowly its queue overflows and flows are skipped
 * for it — counted in {@code dnsflow_flows_dropped_total{sink="stream"}} and announced to it as a
 * {@code {"gap":{"skipped":N}}} line (SSE: a {@code gap} event) — so forwarding never waits.
 */
final class FlowStreams implements FlowSink {
    static final String PATH = FlowsApi.PREFIX + "/stream";
    private static final int QUEUE = 4096;
    static final int MAX_CLIENTS = 64;
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final ProxyMetrics metrics;
    private final Clock clock;

    FlowStreams(ProxyMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "stream";
    }

    /** Each client has its queue already: called on the recorder thread. */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    /** On the recorder thread: hand the flow to each interested client, never waiting. */
    @Override
    public void accept(Flow flow) {
        for (Subscriber s : subscribers) {
            if (s.filter.test(flow) && !s.queue.offer(flow)) {
                s.skipped++;
                metrics.flowDropped(name());
            }
        }
    }

    int clients() {
        return subscribers.size();
    }

    void stream(HttpExchange exchange) throws IOException {
        FlowFilter filter = FlowFilter.parse(Params.of(exchange.getRequestURI()), Set.of(), clock.instant());
        if (filter.hasUntil()) {
            throw new IllegalArgumentException("until: a live stream has no end; use GET " + FlowsApi.PREFIX + " for a range");
        }
        if (subscribers.size() >= MAX_CLIENTS) {
            AdminServer.respond(exchange, 503, "text/plain", "too many flow streams open (" + MAX_CLIENTS + ")\n");
            return;
        }
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        boolean sse = accept != null && accept.contains("text/event-stream");
        exchange.getResponseHeaders().set("Content-Type", sse ? "text/event-stream; charset=utf-8"
                : "application/x-ndjson; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        Subscriber s = new Subscriber(filter);
        subscribers.add(s); // before the headers: a client that has them will not miss a flow
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, 0);
            out.flush();
            pump(s, out, sse);
        } finally {
            subscribers.remove(s);
        }
    }

    /** Writes flows until the client goes away (a write fails). */
    private void pump(Subscriber s, OutputStream out, boolean sse) throws IOException {
        long reported = 0;
        long lastWrite = System.nanoTime();
        ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        while (true) {
            Flow flow;
            try {
                flow = s.queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long skipped = s.skipped;
            if (skipped != reported) {
                String gap = "{\"gap\":{\"skipped\":" + (skipped - reported) + "}}";
                out.write((sse ? "event: gap\ndata: " + gap + "\n\n" : gap + "\n").getBytes(StandardCharsets.UTF_8));
                reported = skipped;
            }
            if (flow != null) {
                line.reset();
                try (JsonGenerator json = FlowJson.FACTORY.createGenerator(line)) {
                    FlowJson.write(flow, json);
                }
                if (sse) {
                    out.write("data: ".getBytes(StandardCharsets.UTF_8));
                }
                line.writeTo(out);
                out.write(sse ? "\n\n".getBytes(StandardCharsets.UTF_8) : "\n".getBytes(StandardCharsets.UTF_8));
                lastWrite = System.nanoTime();
                if (!s.queue.isEmpty()) {
                    continue; // flush once per burst
                }
            } else if (System.nanoTime() - lastWrite > HEARTBEAT_NANOS) {
                // An SSE comment, or an empty NDJSON line, finds out whether the client is still there.
                out.write(sse ? ":\n\n".getBytes(StandardCharsets.UTF_8) : "\n".getBytes(StandardCharsets.UTF_8));
                lastWrite = System.nanoTime();
            }
            out.flush();
        }
    }

    /** One stream client: its filter and its queue. */
    private static final class Subscriber {
        final FlowFilter filter;
        final BlockingQueue<Flow> queue = new ArrayBlockingQueue<>(QUEUE);
        /** Written only by the recorder thread. */
        volatile long skipped;

        Subscriber(FlowFilter filter) {
            this.filter = filter;
        }
    }
}
