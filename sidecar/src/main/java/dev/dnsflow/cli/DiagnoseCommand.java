package dev.dnsflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.util.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dnsflow diagnose}: reads the recent flows of a running dnsflow from its admin API
 * ({@code GET /api/v1/flows?since=WINDOW}) and says per query name what went wrong, in plain words with the
 * evidence ({@link Diagnosis} decides). Verdicts go to stdout; warnings (overwritten flows, a full page) to
 * stderr, so {@code -o json | jq} stays clean. With {@code --kubernetes} ({@link ClusterOptions}) the flows of every
 * dnsflow pod of the cluster, judged together.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Say what is wrong with a name's DNS, from the flows a running dnsflow recorded in the last minutes.",
            "",
            "Without --name: the names with the most failures (no answer, SERVFAIL/REFUSED, timed-out attempts;",
            "then NXDOMAIN and truncation), worst first. With --name: that name, healthy or not.",
            "",
            "Verdicts, in the order they are reported when several apply:",
            "  dropped_at_nodelocal nodelocal (--hand-off) never sent the query on: chaos there, no attempt",
            "  lost_between_nodelocal_and_coredns",
            "                       nodelocal's attempts timed out or failed and no dnsflow behind CoreDNS got them",
            "  chaos                a chaos rule dropped, delayed or answered the queries (on purpose)",
            "  dropped_at_coredns   CoreDNS got the pod's query, never answered, never asked dnsflow (sidecar)",
            "  lost_before_dnsflow  CoreDNS forwarded, dnsflow never received (sidecar)",
            "  servfail_by_dnsflow  every attempt failed; dnsflow answered SERVFAIL",
            "  rejected_by_dnsflow  REFUSED (--allow), FORMERR or NOTIMP from dnsflow",
            "  upstream_losing      attempts to an upstream timed out; retries answered",
            "  upstream_error       the upstream answered SERVFAIL or REFUSED",
            "  truncated_no_tcp     TC=1 over UDP and no retry over TCP",
            "  nxdomain, nodata     the name does not exist / has no records of the type",
            "  truncated_tcp        truncated, retried over TCP, answered",
            "  answered_at_coredns  CoreDNS answered itself: cache or kubernetes plugin (sidecar)",
            "  answered_from_node_cache",
            "                       nodelocal answered from its cache",
            "  healthy              answered, with p50 and max time",
            "",
            "Both hops (nodelocal with --hand-off, and the dnsflow behind CoreDNS): give each with --server, or",
            "--kubernetes; a query is followed from the node to CoreDNS by the node flow's ID (via.nodelocal.flow).",
            "",
            "Cluster-wide (--kubernetes): the flows of every running dnsflow pod matching --selector (all",
            "namespaces, or --dnsflow-namespace: where to look for dnsflow pods), read through the API server's",
            "pod proxy and judged together; a name that fails on some pods only is reported with those pods.",
            "",
            "With -n NAMESPACE (Kubernetes names on: dnsflow proxy --kubernetes), only the queries that pods of",
            "that namespace asked are judged, and after the names one line per workload follows, worst first:",
            "  workload default/Deployment/web: 40 flows, 36 failed; worst: NAME TYPE: VERDICT'S MESSAGE",
            "(json: workload, verdict, message, worst_name, worst_type, counts).",
            ""},
        footer = {"", "Examples:",
            "  dnsflow diagnose                              # the worst names of the last 5 minutes",
            "  dnsflow diagnose --name example.com --window 1h",
            "  dnsflow diagnose -o json | jq -r 'select(.counts.failed > 0) | .message'",
            "  dnsflow diagnose --kubernetes --name example.com     # every dnsflow pod of the cluster",
            "  dnsflow diagnose -n shop                      # the names and workloads of namespace shop",
            "",
            "Exit status: 0 done, 1 the API is unreachable or failed (with --kubernetes: no pod found or none",
            "answered), 2 a bad option."})
public final class DiagnoseCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The API's query parameters and the flags that set them, to name the flag when the API rejects a value. */
    private static final Map<String, String> FLAGS = Map.of("name", "--name", "type", "--type", "since", "--window",
            "limit", "--limit", "namespace", "--namespace");

    /** {@code -o}. */
    enum Format { TEXT, JSON }

    @Spec
    CommandSpec spec;

    @Option(names = ClusterOptions.SERVER, paramLabel = "URL", defaultValue = ObserveCommand.DEFAULT_SERVER,
            description = {"The admin API of dnsflow proxy or sidecar (its --admin); repeat it to judge several together",
                "(nodelocal and the dnsflow behind CoreDNS: both hops).", "Default: ${DEFAULT-VALUE}"})
    List<String> servers;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Only this name: example.com exactly, '*.example.com' for names under it, '~REGEX'. "
                    + "Default: the names with the most failures.")
    String name;

    @Option(names = "--type", paramLabel = "TYPE[,TYPE...]", description = "Only these query types, e.g. A or AAAA,HTTPS.")
    String type;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "Only the queries pods of this namespace asked (needs Kubernetes names: dnsflow proxy --kubernetes), "
                    + "and a verdict per workload as well as per name.")
    String namespace;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "5m", converter = Converters.Time.class,
            description = "How far back to look (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10000",
            description = "Flows to read at most, newest first (default: ${DEFAULT-VALUE}; with --kubernetes: from each pod).")
    int limit;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10",
            description = "Without --name: how many of the worst names to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text", converter = FormatConverter.class,
            description = "text | json (default: ${DEFAULT-VALUE}). json: one object per name and type, one per line: "
                    + "name, type, verdict, message, also, counts.")
    Format output;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws InterruptedException {
        if (window.isZero() || window.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--window: must be longer than 0");
        }
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit: '" + limit + "' must be 1 or more");
        }
        if (top < 1) {
            throw new ParameterException(spec.commandLine(), "--top: '" + top + "' must be 1 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String windowText = Durations.text(window);
        FlowSource source = null;
        try {
            source = servers.size() > 1 ? ServersFlowSource.open(spec, cluster, servers, err::println)
                    : cluster.open(spec, servers.get(0), err::println);
            FlowSource.Batch batch = source.list(filters(), limit);
            if (batch.full()) {
                err.println("warning: read only the newest " + limit + " flows of the last " + windowText
                        + (cluster.kubernetes ? " from some dnsflow pods" : "")
                        + "; older ones in the window are not counted (raise --limit or shorten --window)");
            }
            List<Flow> flows = new ArrayList<>();
            Map<Flow, String> instances = new IdentityHashMap<>();
            for (JsonNode node : batch.flows()) {
                Flow flow = JsonFlows.read(node);
                flows.add(flow);
                if (node.hasNonNull(FlowSource.INSTANCE)) {
                    instances.put(flow, node.get(FlowSource.INSTANCE).asText());
                }
            }
            List<Diagnosis.Result> results = Diagnosis.of(flows, instances::get, batch.full(),
                    !batch.full() && otherHopRead(source, flows));
            if (results.isEmpty()) {
                err.println("no flows" + (name == null ? "" : " for " + name) + (type == null ? "" : " " + type)
                        + (namespace == null ? "" : " asked from namespace " + namespace)
                        + " in the last " + windowText + (namespace != null ? " (are Kubernetes names on: --kubernetes?)"
                        : name == null ? " (has dnsflow received any query yet?)"
                        : ": neither dnsflow nor CoreDNS's dnstap saw it asked (another name? the search path?)"));
                return 0;
            }
            List<Diagnosis.Result> shown = results;
            if (name == null) {
                shown = results.stream().filter(Diagnosis.Result::hasProblems).limit(top).toList();
                if (shown.isEmpty()) {
                    err.println("no failures in the last " + windowText + ": " + flows.size() + " flows, " + results.size()
                            + " names, all answered");
                    return 0;
                }
            }
            for (Diagnosis.Result r : shown) {
                if (output == Format.JSON) {
                    out.println(JSON.writeValueAsString(r.toMap()));
                } else {
                    out.println(r.line());
                    r.also().forEach(f -> out.println("  also: " + f.message()));
                }
            }
            if (namespace != null) {
                printWorkloads(Workloads.of(flows), out);
            }
            if (name == null && output == Format.TEXT) {
                long failing = results.stream().filter(Diagnosis.Result::hasProblems).count();
                err.println("(" + shown.size() + " of " + failing + " names with problems among " + results.size() + " names, "
                        + flows.size() + " flows, last " + windowText + "; --name NAME for one)");
            }
            return 0;
        } catch (FlowsClient.Failure e) {
            err.println("dnsflow diagnose: " + e.getMessage());
            return 1;
        } catch (FlowsClient.Rejected e) {
            throw new ParameterException(spec.commandLine(), FlowsClient.flagged(e.getMessage(), FLAGS));
        } catch (IllegalArgumentException e) {
            err.println("dnsflow diagnose: cannot read the flows from " + (source == null ? String.join(", ", servers) : source.describe()) + ": "
                    + e.getMessage());
            return 1;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } finally {
            out.flush();
            err.flush();
            if (source != null) {
                source.close();
            }
        }
    }

    /** Per workload, after the names: those with problems (the --top worst) without --name, all with it. */
    private void printWorkloads(List<Workloads.Result> workloads, PrintWriter out) throws JsonProcessingException {
        for (Workloads.Result w : workloads.stream().filter(w -> name != null || w.hasProblems())
                .limit(name == null ? top : Long.MAX_VALUE).toList()) {
            out.println(output == Format.JSON ? JSON.writeValueAsString(w.toMap()) : w.line());
        }
    }

    /**
     * Whether a dnsflow other than a node's (hand-off) one was read: with a filter (--name, …) the CoreDNS side
     * may have seen none of the names, so its newest flow in the window (one per source) says whether it answered.
     * Only then is a node flow that no CoreDNS-side flow names called lost between the hops.
     */
    private boolean otherHopRead(FlowSource source, List<Flow> flows) throws FlowsClient.Failure, FlowsClient.Rejected,
            InterruptedException {
        if (TwoHops.seesCorednsSide(flows) || flows.stream().noneMatch(f -> f.get(dev.dnsflow.handoff.HandOffMark.KEY) != null)
                || servers.size() < 2 && !cluster.kubernetes || name == null && type == null && namespace == null) {
            return false; // the flows say it already, or there is no node flow to judge, or one source, or nothing filtered
        }
        Map<String, String> windowOnly = new LinkedHashMap<>();
        windowOnly.put("since", window.toMillis() + "ms");
        for (JsonNode node : source.list(windowOnly, 1).flows()) {
            if (!node.hasNonNull("hand_off")) {
                return true;
            }
        }
        return false;
    }

    Map<String, String> filters() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("since", window.toMillis() + "ms");
        if (name != null) {
            params.put("name", name);
        }
        if (type != null) {
            params.put("type", type);
        }
        if (namespace != null) {
            params.put("namespace", namespace);
        }
        return params;
    }

    static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            return Converters.clean(value, v -> {
                try {
                    return Format.valueOf(v.strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + v + "' is not an output format (text, json)");
                }
            });
        }
    }
}
