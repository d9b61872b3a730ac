package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The flows of several dnsflows named by {@code --server} (diagnose across both hops: nodelocal and the dnsflow
 * behind CoreDNS), read one after the other and merged by time; each flow gets an {@value FlowSource#INSTANCE}
 * field naming its server's URL, as the cluster-wide source names pods. Lists only: {@code observe} reads one.
 */
final class ServersFlowSource implements FlowSource {
    private final List<String> urls;
    private final List<ServerFlowSource> sources;

    private ServersFlowSource(List<String> urls, List<ServerFlowSource> sources) {
        this.urls = urls;
        this.sources = sources;
    }

    static FlowSource open(CommandSpec spec, ClusterOptions cluster, List<String> urls, Consumer<String> warn) {
        if (cluster.kubernetes) {
            throw new ParameterException(spec.commandLine(), ClusterOptions.SERVER + " and --kubernetes cannot be used together");
        }
        List<ServerFlowSource> sources = new ArrayList<>();
        for (String url : urls) {
            try {
                sources.add(new ServerFlowSource(FlowsClient.baseUri(url), warn));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return new ServersFlowSource(List.copyOf(urls), sources);
    }

    @Override
    public Batch list(Map<String, String> filters, int limit) throws FlowsClient.Failure, FlowsClient.Rejected, InterruptedException {
        List<JsonNode> merged = new ArrayList<>();
        boolean full = false;
        for (int i = 0; i < sources.size(); i++) {
            Batch b = sources.get(i).list(filters, limit);
            full |= b.full();
            for (JsonNode f : b.flows()) {
                if (f instanceof ObjectNode o) {
                    o.put(INSTANCE, urls.get(i));
                }
                merged.add(f);
            }
        }
        merged.sort(ClusterFlowSource.BY_TIME);
        return new Batch(merged, full);
    }

    @Override
    public Follow follow(Map<String, String> filters) {
        throw new UnsupportedOperationException("following several --server at once");
    }

    @Override
    public String describe() {
        return String.join(", ", urls);
    }

    @Override
    public void close() {
        sources.forEach(ServerFlowSource::close);
    }
}
