package dev.dnsflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dnsflow observe}: the flows of a running dnsflow, read from its admin API
 * ({@code GET /api/v1/flows}, then {@code GET /api/v1/flows/stream} with {@code --follow}).
 * With {@code --kubernetes} ({@link ClusterOptions}) the flows of every dnsflow pod of the cluster, merged.
 * Flows go to stdout; warnings about lost flows go to stderr, so {@code -o json | jq} stays clean.
 */
@Command(name = "observe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Show the DNS flows of a running dnsflow, newest last, and follow new ones with -f.",
            "",
            "Each flow is one client query: when it arrived, who sent it and with which ID, every upstream",
            "attempt with the ID dnsflow put on the wire, its round trip and how it ended, the answer, and",
            "the total time. The flows come from the admin API of dnsflow proxy (--admin, default",
            "127.0.0.1:9553): no privileges or packet capture needed. Filters combine with AND.",
            "",
            "With Kubernetes names (dnsflow proxy --kubernetes), -n/--pod/--workload/--node select flows by",
            "the pod that asked (the one behind CoreDNS when CoreDNS passes it on), and compact and table",
            "output show it as namespace/pod instead of its address, and an upstream in the cluster by its",
            "name (-o json keeps both).",
            "",
            "A compact line:  time  client|ns/pod id=RECEIVED → dnsflow → upstream id=SENT rtt [timeout] ...",
            "                 name type  rcode addresses [(servfail by dnsflow)]  total time",
            "Colours on a terminal: green NOERROR, yellow NXDOMAIN or no records, red SERVFAIL/REFUSED/timeouts.",
            "",
            "Cluster-wide (--kubernetes): every running pod matching --selector, in all namespaces or in",
            "--dnsflow-namespace (where to look for dnsflow pods; it filters no flows), read through the",
            "API server's pod proxy with your kubeconfig (which needs get/list on pods, get on pods/proxy;",
            "dnsflow's --admin must listen on the pod IP). --last is the newest N of all pods together,",
            "-f merges their live streams; each flow starts with its pod (-o json: \"instance\"). A pod",
            "that fails is reported on stderr and the others go on.",
            ""},
        footer = {"", "Examples:",
            "  dnsflow observe                                  # the last 20 flows, newest at the bottom",
            "  dnsflow observe -f --rcode NXDOMAIN,SERVFAIL     # follow failures as they happen",
            "  dnsflow observe --name '*.svc.cluster.local' --min-duration 100ms --since 10m -o table",
            "  dnsflow observe --outcome servfail -o json | jq -r '.attempts[] | .upstream + \" \" + .outcome'",
            "  dnsflow observe --name example.com --last 1 -o yaml   # one flow, field by field",
            "  dnsflow observe -n default --pod 'web-*' -f      # what the web pods ask, as they ask it",
            "  dnsflow observe --workload Deployment/api --rcode SERVFAIL --since 1h",
            "",
            "  dnsflow as a CoreDNS sidecar serves its admin API on the pod's loopback; reach it with:",
            "  kubectl -n kube-system port-forward deploy/coredns 9553 &  dnsflow observe -f",
            "",
            "  dnsflow observe --kubernetes -f --rcode SERVFAIL     # every dnsflow pod of the cluster",
            "  dnsflow observe --kubernetes --dnsflow-namespace kube-system --last 100 -o table",
            "",
            "Exit status: 0 done, 1 the API is unreachable or failed (with --kubernetes: no pod found or none",
            "answered), 2 a bad option or filter value."})
public final class ObserveCommand implements Callable<Integer> {
    static final String DEFAULT_SERVER = "http://127.0.0.1:9553";
    /** The API's query parameters and the flags that set them, to name the flag when the API rejects a value. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("name", "--name"), Map.entry("type", "--type"),
            Map.entry("rcode", "--rcode"), Map.entry("outcome", "--outcome"), Map.entry("cache", "--cache"), Map.entry("client", "--client"),
            Map.entry("upstream", "--upstream"), Map.entry("min_duration", "--min-duration"), Map.entry("since", "--since"),
            Map.entry("limit", "--last"), Map.entry("namespace", "--namespace"), Map.entry("pod", "--pod"),
            Map.entry("workload", "--workload"), Map.entry("node", "--node"));

    /** {@code --color}. */
    enum Color { AUTO, ALWAYS, NEVER }

    @Spec
    CommandSpec spec;

    @Option(names = ClusterOptions.SERVER, paramLabel = "URL", defaultValue = DEFAULT_SERVER,
            description = {"The admin API of dnsflow proxy (its --admin).", "Default: ${DEFAULT-VALUE}"})
    String server;

    @Option(names = "--last", paramLabel = "N", defaultValue = "20",
            description = "Show the newest N matching flows, oldest first (default: ${DEFAULT-VALUE}; 0 with -f: only new ones).")
    int last;

    @Option(names = {"-f", "--follow"}, description = "After --last, print new flows as they finish, until Ctrl-C.")
    boolean follow;

    @Option(names = "--since", paramLabel = "TIME|DURATION",
            description = "Only flows that arrived after this: RFC 3339 (2026-11-25T19:21:17Z) or how long ago (30s, 5m, 1h).")
    String since;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Query name: example.com exactly, '*.example.com' for names under it, '~REGEX' to search.")
    String name;

    @Option(names = "--type", paramLabel = "TYPE[,TYPE...]", description = "Query type, e.g. A or AAAA,HTTPS.")
    String type;

    @Option(names = "--rcode", paramLabel = "RCODE[,RCODE...]", description = "Response code the client got, e.g. NXDOMAIN or SERVFAIL,REFUSED.")
    String rcode;

    @Option(names = "--outcome", paramLabel = "OUTCOME[,...]",
            description = "answered (the upstream's answer, any rcode) or what dnsflow did itself: servfail, refused, formerr, "
                    + "notimp, chaos_drop, chaos_rcode, chaos_truncate, chaos_upstream_drop.")
    String outcome;

    @Option(names = "--cache", paramLabel = "RESULT[,...]",
            description = "What the cache did (a proxy run with --cache): hit, miss, stale, prefetch or refresh (the cache's own background query).")
    String cache;

    @Option(names = "--client", paramLabel = "IP|CIDR", description = "Flows from this client address or range, e.g. 10.244.0.0/16.")
    String client;

    @Option(names = "--upstream", paramLabel = "IP[:PORT]", description = "Flows with an attempt to this upstream: 10.0.0.2 (any port) or 10.0.0.2:53.")
    String upstream;

    @Option(names = "--min-duration", paramLabel = "DURATION", description = "Flows that took at least this long, query to answer, e.g. 100ms.")
    String minDuration;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "Flows asked by pods of this namespace (needs Kubernetes names: dnsflow proxy --kubernetes).")
    String namespace;

    @Option(names = "--pod", paramLabel = "NAME", description = "Flows asked by this pod, or by pods matching a glob: 'web-*'.")
    String pod;

    @Option(names = "--workload", paramLabel = "[KIND/]NAME", description = "Flows asked by pods of this workload: Deployment/web, or web of any kind.")
    String workload;

    @Option(names = "--node", paramLabel = "NAME", description = "Flows asked by pods on this node.")
    String node;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "compact", converter = FormatConverter.class,
            description = "compact | table | json | yaml (default: compact). json: one flow per line as the API sends it, for jq.")
    FlowPrinter.Format output;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorConverter.class,
            description = "auto | always | never: colour by outcome (auto: on a terminal, unless NO_COLOR is set).")
    Color color;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws InterruptedException {
        if (last < 0 || last == 0 && !follow) {
            throw new ParameterException(spec.commandLine(), "--last: '" + last + "' must be 1 or more (0 only with --follow)");
        }
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> warn = line -> {
            err.println(line);
            err.flush();
        };
        Map<String, String> filters = filters();
        FlowSource source = null;
        FlowSource.Follow stream = null;
        try {
            source = cluster.open(spec, server, warn);
            FlowPrinter printer = new FlowPrinter(output, colored(), spec.commandLine().getOut(), cluster.kubernetes);
            if (follow) {
                // Subscribe before listing, so no flow falls between the two; the list's flows are not repeated.
                stream = source.follow(filters);
            }
            Set<String> shown = new HashSet<>();
            if (last > 0) {
                List<JsonNode> flows = source.list(filters, last).newest(last);
                flows.forEach(f -> shown.add(FlowSource.key(f)));
                printer.print(flows);
                if (flows.isEmpty() && !follow) {
                    err.println("no flows match" + (filters.isEmpty() ? " (has dnsflow forwarded any query yet?)"
                            : " these filters" + (askerFilters() ? " (are Kubernetes names on? dnsflow proxy --kubernetes)" : "")));
                }
            }
            if (stream == null) {
                return 0;
            }
            stream.read(flow -> {
                if (!shown.remove(FlowSource.key(flow))) {
                    printer.print(flow);
                }
            });
            return 0;
        } catch (FlowsClient.Failure e) {
            err.println("dnsflow observe: " + e.getMessage());
            return 1;
        } catch (FlowsClient.Rejected e) {
            throw new ParameterException(spec.commandLine(), FlowsClient.flagged(e.getMessage(), FLAGS));
        } finally {
            err.flush();
            if (stream != null) {
                stream.close();
            }
            if (source != null) {
                source.close();
            }
        }
    }

    /** Whether a filter on the pod that asked was given: those need names, which a proxy without --kubernetes lacks. */
    private boolean askerFilters() {
        return namespace != null || pod != null || workload != null || node != null;
    }

    /** The filters that were given, as the API's query parameters. */
    Map<String, String> filters() {
        Map<String, String> params = new LinkedHashMap<>();
        String[][] pairs = {{"name", name}, {"type", type}, {"rcode", rcode}, {"outcome", outcome}, {"cache", cache},
            {"client", client}, {"upstream", upstream}, {"min_duration", minDuration}, {"since", since}, {"namespace", namespace}, {"pod", pod},
            {"workload", workload}, {"node", node}};
        for (String[] p : pairs) {
            if (p[1] != null) {
                params.put(p[0], p[1]);
            }
        }
        return params;
    }

    private boolean colored() {
        if (color != Color.AUTO) {
            return color == Color.ALWAYS;
        }
        String noColor = System.getenv("NO_COLOR");
        return Terminal.isTerminal() && (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
    }

    /** Whether stdout is a terminal: System.console(), and on Java 22+ also Console.isTerminal(). */
    private static final class Terminal {
        static boolean isTerminal() {
            Console console = System.console();
            if (console == null) {
                return false;
            }
            try {
                return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException olderJava) {
                return true;
            }
        }
    }

    static final class FormatConverter implements ITypeConverter<FlowPrinter.Format> {
        @Override
        public FlowPrinter.Format convert(String value) {
            return Converters.clean(value, FlowPrinter.Format::parse);
        }
    }

    static final class ColorConverter implements ITypeConverter<Color> {
        @Override
        public Color convert(String value) {
            return Converters.clean(value, v -> {
                try {
                    return Color.valueOf(v.strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + v + "': give auto, always or never");
                }
            });
        }
    }
}
