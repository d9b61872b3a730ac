package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;

/** The flows of one dnsflow, from its admin API ({@code --server}). */
final class ServerFlowSource implements FlowSource {
    private final URI base;
    private final FlowsClient api;
    private final Consumer<String> warn;

    ServerFlowSource(URI base, Consumer<String> warn) {
        this.base = base;
        this.api = new FlowsClient(base);
        this.warn = warn;
    }

    @Override
    public Batch list(Map<String, String> filters, int limit) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException {
        FlowsClient.Page page = api.list(filters, limit);
        if (page.gap() != null) {
            warn.accept("warning: " + page.gap());
        }
        return new Batch(page.flows(), page.flows().size() >= limit);
    }

    @Override
    public Follow follow(Map<String, String> filters) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException {
        InputStream stream = api.stream(filters);
        return new Follow() {
            @Override
            public void read(Consumer<JsonNode> onFlow) throws FlowsClient.Failure {
                api.read(stream, onFlow, skipped -> warn.accept("… " + skipped + " flows skipped (this reader was too slow)"));
                if (!Thread.currentThread().isInterrupted()) {
                    throw new FlowsClient.Failure("the dnsflow admin API at " + base + " ended the flow stream (did dnsflow stop?)");
                }
            }

            @Override
            public void close() {
                try {
                    stream.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        };
    }

    @Override
    public String describe() {
        return String.valueOf(base);
    }

    @Override
    public void close() {
        // the JDK's HttpClient holds nothing that needs closing on Java 17
    }
}
