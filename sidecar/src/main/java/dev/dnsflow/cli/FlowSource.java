package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where {@code observe} and {@code diagnose} read flows: the admin API of one dnsflow ({@code --server},
 * {@link ServerFlowSource}) or of every dnsflow pod of a cluster through the API server's pod proxy
 * ({@code --kubernetes}, {@link ClusterFlowSource}, whose flows carry an {@code "instance"} field). Filters are the
 * admin API's query parameters. Warnings (overwritten flows, an instance that failed) go to the source's warning
 * sink; what stops the whole read is a {@link FlowsClient.Failure} (exit 1) or {@link FlowsClient.Rejected} (exit 2).
 */
interface FlowSource extends AutoCloseable {
    /** The field a cluster-wide source adds to each flow: {@code "kube-system/coredns-7db6d8ff4d-abcde"}. */
    String INSTANCE = "instance";

    /**
     * Flows of one read, oldest first.
     *
     * @param full whether some instance had at least as many matching flows as were asked for (older ones left out)
     */
    record Batch(List<JsonNode> flows, boolean full) {
        /** The newest {@code n}, oldest first. */
        List<JsonNode> newest(int n) {
            return flows.subList(Math.max(0, flows.size() - n), flows.size());
        }
    }

    /** Live flows after {@link #follow}: read until the stream(s) end. */
    interface Follow extends AutoCloseable {
        /**
         * Delivers flows one at a time (never concurrently), in the order they arrive. Returns when the thread is
         * interrupted; throws {@link FlowsClient.Failure} saying so when every stream ended.
         */
        void read(Consumer<JsonNode> onFlow) throws FlowsClient.Failure;

        @Override
        void close();
    }

    /** Each instance's newest {@code limit} matching flows, merged oldest first by time. */
    Batch list(Map<String, String> filters, int limit) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException;

    /** Subscribes: once this returns, every later matching flow will be delivered by the {@link Follow}. */
    Follow follow(Map<String, String> filters) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException;

    /** Where the flows come from, for messages: the --server URL, or how many pods were found. */
    String describe();

    @Override
    void close();

    /** The identity of a flow across instances: its instance (if any) and its ID. */
    static String key(JsonNode flow) {
        return flow.path(INSTANCE).asText() + "|" + flow.path("id").asText();
    }
}
