package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.k8s.DnsflowInstances.Instance;
import dev.dnsflow.k8s.PodProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The flows of every dnsflow pod of a cluster, read from each pod's admin API through the API server's pod proxy
 * and merged: a list is each instance's newest flows merged by time, a follow is one reader per instance feeding
 * one consumer. Each flow gets an {@value FlowSource#INSTANCE} field naming its pod. An instance that fails is a
 * warning naming it, and the others go on; only when none answers is it a {@link FlowsClient.Failure}.
 */
final class ClusterFlowSource implements FlowSource {
    static final String HINT = "does the pod serve the dnsflow admin API on its pod IP at that port? see --admin-port";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Oldest first: by the flow's time, then its instance and ID so equal times keep a stable order. */
    static final Comparator<JsonNode> BY_TIME = Comparator.comparingLong((JsonNode f) -> FlowJson.parseTime(f.path("time").asText()))
            .thenComparing(FlowSource::key);

    private final AutoCloseable client;
    private final PodProxy proxy;
    private final List<Instance> instances;
    private final Consumer<String> warn;

    /** @param client closed with this source (the Kubernetes client behind {@code proxy}) */
    ClusterFlowSource(AutoCloseable client, PodProxy proxy, List<Instance> instances, Consumer<String> warn) {
        this.client = client;
        this.proxy = proxy;
        this.instances = List.copyOf(instances);
        this.warn = warn;
    }

    @Override
    public Batch list(Map<String, String> filters, int limit) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException {
        String path = FlowsClient.uri(URI.create(""), "/api/v1/flows", FlowsClient.listParams(filters, limit)).toString();
        Map<Instance, CompletableFuture<PodProxy.Answer>> answers = new LinkedHashMap<>();
        for (Instance i : instances) {
            answers.put(i, proxy.get(i, path, FlowsClient.GAP_HEADER, FlowsClient.LIST_TIMEOUT));
        }
        List<JsonNode> merged = new ArrayList<>();
        boolean full = false;
        int answered = 0;
        for (Map.Entry<Instance, CompletableFuture<PodProxy.Answer>> e : answers.entrySet()) {
            String id = e.getKey().id();
            try {
                PodProxy.Answer a = await(e.getValue());
                FlowsClient.Page page = FlowsClient.page(a.status(), reason(a.status(), a.body()), a.header(), URI.create("/api/v1/flows"),
                        HINT);
                if (page.gap() != null) {
                    warn.accept("warning: " + id + ": " + page.gap());
                }
                page.flows().forEach(f -> merged.add(tag(f, id)));
                full |= page.flows().size() >= limit;
                answered++;
            } catch (FlowsClient.Failure failure) {
                warn.accept(id + ": " + failure.getMessage());
            }
        }
        if (answered == 0) {
            throw new FlowsClient.Failure("none of " + describe() + " answered");
        }
        merged.sort(BY_TIME);
        return new Batch(merged, full);
    }

    @Override
    public Follow follow(Map<String, String> filters) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException {
        String path = FlowsClient.uri(URI.create(""), "/api/v1/flows/stream", filters).toString();
        Map<Instance, CompletableFuture<PodProxy.Stream>> opening = new LinkedHashMap<>();
        for (Instance i : instances) {
            opening.put(i, proxy.stream(i, path, "application/x-ndjson"));
        }
        Map<Instance, InputStream> open = new LinkedHashMap<>();
        try {
            for (Map.Entry<Instance, CompletableFuture<PodProxy.Stream>> e : opening.entrySet()) {
                try {
                    PodProxy.Stream s = await(e.getValue());
                    if (s.status() != 200) {
                        String body;
                        try (InputStream in = s.body()) {
                            body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                        } catch (IOException io) {
                            body = "";
                        }
                        FlowsClient.check(s.status(), reason(s.status(), body), URI.create("/api/v1/flows/stream"), HINT);
                    }
                    open.put(e.getKey(), s.body());
                } catch (FlowsClient.Failure failure) {
                    warn.accept(e.getKey().id() + ": " + failure.getMessage());
                }
            }
        } catch (FlowsClient.Rejected | InterruptedException | RuntimeException e) {
            open.values().forEach(ClusterFlowSource::closeQuietly);
            throw e;
        }
        if (open.isEmpty()) {
            throw new FlowsClient.Failure("none of " + describe() + " answered");
        }
        return new MergedFollow(open, warn);
    }

    @Override
    public String describe() {
        return instances.size() == 1 ? "the dnsflow pod " + instances.get(0).id() : "the " + instances.size() + " dnsflow pods";
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception ignored) {
            // closing
        }
    }

    /** The flow with the field that names its instance. */
    static JsonNode tag(JsonNode flow, String instance) {
        if (flow instanceof ObjectNode o) {
            o.put(INSTANCE, instance);
        }
        return flow;
    }

    /**
     * The API server answers a failed pod proxy (503: the pod refused the connection, 404: no such pod) with a
     * Status object: its message is the reason; other bodies are passed on as they are.
     */
    static String reason(int status, String body) {
        if (status == 200) {
            return body;
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && "Status".equals(node.path("kind").asText()) && node.hasNonNull("message")) {
                return node.get("message").asText();
            }
        } catch (IOException notJson) {
            // the pod's own answer
        }
        return body;
    }

    /** A pod proxy that never answers is one failed pod after {@link FlowsClient#LIST_TIMEOUT}, not a hung command. */
    private static <T> T await(CompletableFuture<T> future) throws FlowsClient.Failure, InterruptedException {
        try {
            return future.get(FlowsClient.LIST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            future.thenAccept(late -> { // it may still come: close it then
                if (late instanceof PodProxy.Stream stream) {
                    closeQuietly(stream.body());
                }
            });
            throw new FlowsClient.Failure("no answer through the API server's pod proxy within "
                    + FlowsClient.LIST_TIMEOUT.toSeconds() + "s");
        } catch (ExecutionException e) {
            throw new FlowsClient.Failure("cannot reach it through the API server's pod proxy: " + FlowsClient.reason(e.getCause()));
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** One reader thread per instance; the consumer is called under one lock, so flows never interleave. */
    private static final class MergedFollow implements Follow {
        private final Map<Instance, InputStream> streams;
        private final Consumer<String> warn;
        private final List<Thread> readers = new ArrayList<>();
        private volatile boolean closing;

        MergedFollow(Map<Instance, InputStream> streams, Consumer<String> warn) {
            this.streams = streams;
            this.warn = warn;
        }

        @Override
        public void read(Consumer<JsonNode> onFlow) throws FlowsClient.Failure {
            Object lock = new Object();
            streams.forEach((instance, in) -> {
                String id = instance.id();
                Thread t = new Thread(() -> {
                    try {
                        FlowsClient.read(in, URI.create(id), HINT, flow -> {
                            synchronized (lock) {
                                onFlow.accept(tag(flow, id));
                            }
                        }, skipped -> warn.accept("… " + skipped + " flows skipped on " + id + " (this reader was too slow)"));
                    } catch (FlowsClient.Failure e) {
                        warn.accept(id + ": " + e.getMessage());
                    } catch (RuntimeException e) { // a flow this observe cannot read (a newer dnsflow): that pod's stream ends
                        warn.accept(id + ": cannot read a flow: " + e.getMessage());
                    }
                    if (!closing) {
                        warn.accept(id + ": ended its flow stream (did the pod stop?)");
                    }
                }, "dnsflow-follow-" + id);
                t.setDaemon(true);
                readers.add(t);
                t.start();
            });
            try {
                for (Thread t : readers) {
                    t.join();
                }
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                return;
            }
            throw new FlowsClient.Failure("every dnsflow pod ended its flow stream");
        }

        @Override
        public void close() {
            closing = true;
            streams.values().forEach(ClusterFlowSource::closeQuietly);
        }
    }
}
