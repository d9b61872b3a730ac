package dev.dnsflow.cli;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.admin.AdminToken;
import dev.dnsflow.chaos.ChaosRule;
import dev.dnsflow.chaos.ChaosRules;
import dev.dnsflow.context.ContextCodes;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.ForwardStage;
import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.forward.Policy;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dnsflow proxy}: forward DNS and record every query as a flow. */
@Command(name = "proxy", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = PluginFlags.class,
        description = {
            "Forward DNS queries to upstream servers and record every query as a flow.",
            "",
            "Put it behind CoreDNS with this Corefile line:  forward . 127.0.0.1:5353",
            "",
            "UDP and TCP are served on the same port. Each upstream attempt gets a fresh random ID; replies are "
                + "accepted only from the upstream's address and port, with a live ID and the same question. "
                + "Flows go to the in-memory ring (--flow-buffer) and to --flow-log.",
            ""},
        footer = {"", "Examples:",
            "  dnsflow proxy --upstream 10.96.0.10 --flow-log -",
            "  dnsflow proxy --upstream 10.0.0.2 --upstream 10.0.0.3 --policy sequential",
            "  dnsflow proxy --upstream 127.0.0.1:5300 --timeout 500ms --deadline 1500ms \\",
            "      --flow-log /var/log/dnsflow.jsonl"})
public final class ProxyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ProxyOptions options;

    @Override
    public Integer call() throws InterruptedException {
        try (DnsProxy proxy = DnsProxy.start(options.toConfig(spec), ProxyMetrics.prometheus(),
                AppPlugins.serving(spec.commandLine().getErr()))) {
            serveUntilStopped(proxy, spec.commandLine().getErr(), banner(proxy), options.shutdownGrace());
        }
        return 0;
    }

    /**
     * Prints the banner and waits for Ctrl-C or SIGTERM; then drains the proxy for up to {@code grace}
     * (see {@link DnsProxy#shutdown}), which closes everything its plugins opened too.
     */
    public static void serveUntilStopped(DnsProxy proxy, PrintWriter err, String banner, Duration grace)
            throws InterruptedException {
        err.println(banner);
        err.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.shutdown(grace);
            stop.countDown(); // last: the command's own close() must not cut the drain short
        }, "dnsflow-shutdown"));
        stop.await();
    }

    public static String banner(DnsProxy proxy) {
        ProxyConfig c = proxy.config();
        StringBuilder sb = new StringBuilder();
        sb.append("dnsflow proxy listening on ")
                .append(String.join(", ", proxy.addresses().stream().map(ProxyOptions::text).toList())).append(" (udp+tcp, ")
                .append(proxy.transportName()).append(", ").append(c.eventLoops()).append(" event loops)\n");
        sb.append("  upstreams: ");
        proxy.forward().upstreams().forEach(u -> sb.append(u.label()).append(' '));
        sb.append("(policy ").append(c.forward().policy().name().toLowerCase()).append(", timeout ")
                .append(c.forward().timeout().toMillis()).append("ms, deadline ").append(c.forward().deadline().toMillis())
                .append("ms)\n");
        for (ForwardStage.Route r : proxy.forward().routes()) {
            if (!r.zone().equals(".") || r.forceTcp()) {
                sb.append("  zone ").append(r.zone()).append(": ");
                r.upstreams().forEach(u -> sb.append(u.label()).append(' '));
                sb.append(r.forceTcp() ? "(tcp)\n" : "\n");
            }
        }
        sb.append("  flows: ").append(c.flowBuffer() == 0 ? "none kept in memory" : "ring of " + c.flowBuffer())
                .append(c.flowLog() == null ? "" : ", log " + c.flowLog());
        if (!proxy.recording()) {
            sb.append(" (recording off: nothing wants flows)");
        }
        if (proxy.adminAddress() != null) {
            sb.append("\n  admin: http://").append(ProxyOptions.text(proxy.adminAddress())).append("/health");
        }
        return sb.toString();
    }

    /** The options shared by every command that runs a proxy (proxy, and later sidecar). */
    public static final class ProxyOptions {
        @Option(names = "--listen", paramLabel = "HOST:PORT", converter = Converters.Listen.class,
                description = "Address for UDP and TCP, repeatable to serve on several (default: ${DEFAULT-VALUE}).",
                defaultValue = "127.0.0.1:5353")
        List<InetSocketAddress> listen = new ArrayList<>();

        @Option(names = "--zone", paramLabel = "ZONE=UPSTREAM[,UPSTREAM...][/tcp]",
                description = "Queries for names in ZONE go to these upstreams (HOST[:PORT], port 53 unless given; "
                        + "resolv.conf for the nameservers of /etc/resolv.conf), with their own attempts and health; "
                        + "/tcp: always over TCP (CoreDNS's force_tcp). Repeatable; the longest zone containing a name "
                        + "wins, others go to --upstream. '.=UPSTREAMS' sets the default upstreams instead of --upstream. "
                        + "Example: --zone cluster.local=10.96.0.11/tcp")
        List<String> zones = new ArrayList<>();

        @Option(names = "--upstream", paramLabel = "HOST[:PORT]", converter = Converters.Upstream.class,
                description = "Upstream server, repeatable (port 53 unless given). Default: the nameservers in "
                        + "/etc/resolv.conf, like CoreDNS's forward . /etc/resolv.conf.")
        List<InetSocketAddress> upstreams = new ArrayList<>();

        @Option(names = "--policy", paramLabel = "POLICY", converter = Converters.PolicyName.class,
                description = "random | round_robin | sequential: which upstream a query tries first (default: random).")
        Policy policy = Policy.RANDOM;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Timeout.class,
                description = "How long one attempt waits before the next upstream is tried, 1ms to 60s (default: 700ms).")
        Duration timeout = ForwardOptions.DEFAULT_TIMEOUT;

        @Option(names = "--deadline", paramLabel = "DURATION", converter = Converters.Deadline.class,
                description = "The whole query's budget, 1ms to 60s; SERVFAIL is sent before it passes (default: 1800ms, below "
                        + "CoreDNS's 2s read timeout, so CoreDNS gets SERVFAIL rather than silence).")
        Duration deadline = ForwardOptions.DEFAULT_DEADLINE;

        @Option(names = "--attempts", paramLabel = "N", converter = Converters.Attempts.class,
                description = "Attempts per query at most, 1 to 20 (default: 3, or the number of upstreams if larger).")
        int attempts;

        @Option(names = "--tcp-on-truncation",
                description = "Retry a truncated UDP answer over TCP here instead of passing TC=1 back to the client.")
        boolean tcpOnTruncation;

        @Option(names = "--max-fails", paramLabel = "N", converter = Converters.MaxFails.class,
                description = "Consecutive failed attempts before an upstream is marked down, 1 to 1000 (default: 3).")
        int maxFails = ForwardOptions.defaults().maxFails();

        @Option(names = "--health-check", paramLabel = "DURATION", converter = Converters.HealthCheck.class,
                description = "How often a down upstream is probed with '. IN NS', 10ms to 1m (default: 500ms).")
        Duration healthCheck = ForwardOptions.defaults().healthCheckEvery();

        @Option(names = "--sockets-per-upstream", paramLabel = "N", converter = Converters.SocketsPerUpstream.class,
                description = "UDP sockets per upstream and event loop, for source-port diversity, 1 to 64 (default: 2).")
        int socketsPerUpstream = ForwardOptions.defaults().socketsPerUpstream();

        @Option(names = "--socket-max-age", paramLabel = "DURATION", converter = Converters.SocketMaxAge.class,
                description = "Replace an upstream UDP socket after this long (1s to 24h), and after a timeout on it "
                        + "(default: 60s): guards against stale conntrack entries black-holing a Kubernetes service IP.")
        Duration socketMaxAge = ForwardOptions.defaults().socketMaxAge();

        @Option(names = "--allow", paramLabel = "CIDR", split = ",", splitSynopsisLabel = ",",
                description = "Client ranges served, comma-separated or repeated; others get REFUSED. Default: loopback, "
                        + "RFC 1918, link-local and ULA (127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                        + "169.254.0.0/16, ::1/128, fe80::/10, fc00::/7).")
        List<String> allow = new ArrayList<>(AllowList.DEFAULT_RANGES);

        @Option(names = "--flow-log", paramLabel = "PATH|-",
                description = "Write each flow as one JSON line to a file (rotated by size) or to stdout (-).")
        String flowLog;

        @Option(names = "--flow-log-max-size", paramLabel = "SIZE", converter = Converters.FlowLogMaxSize.class,
                description = "Rotate the flow log file at this size, 1MB to 100GB (default: 100MB).")
        long flowLogMaxSize = ProxyConfig.DEFAULT_FLOW_LOG_MAX_BYTES;

        @Option(names = "--flow-log-keep", paramLabel = "N", converter = Converters.FlowLogKeep.class,
                description = "Rotated flow log files to keep: PATH.1 ... PATH.N, 1 to 1000 (default: 3).")
        int flowLogKeep = ProxyConfig.DEFAULT_FLOW_LOG_KEEP;

        @Option(names = "--flow-buffer", paramLabel = "N",
                description = "Flows kept in memory for the API (default: ${DEFAULT-VALUE}), stored compactly: "
                        + "256 bytes each are set aside (26 MB for the default); a typical flow takes about 130. 0 keeps "
                        + "none; with no --flow-log, --dnstap or --metrics-name-label and --admin off, flows are then "
                        + "not even built.",
                defaultValue = "100000")
        int flowBuffer;

        @Option(names = "--admin", paramLabel = "HOST:PORT|off",
                description = "Admin HTTP server: /health, /ready, /metrics, /api/v1/flows[/stream], /api/v1/top and "
                        + "/api/v1/chaos (default: ${DEFAULT-VALUE}, loopback only; off turns it off).",
                defaultValue = "127.0.0.1:9553")
        String admin;

        @Option(names = "--threads", paramLabel = "N", converter = Converters.Threads.class,
                description = "Event loops, 1 to 256; each owns a UDP socket on the listen port (default: number of CPUs).")
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), Converters.Threads.MAX);

        @Option(names = "--max-tcp-clients", paramLabel = "N", converter = Converters.MaxTcpClients.class,
                description = "Open client TCP connections at most, 1 to 100000; more are closed at once (default: 1000).")
        int maxTcpClients = ProxyConfig.DEFAULT_MAX_TCP_CLIENTS;

        @Option(names = "--max-pipelined", paramLabel = "N", converter = Converters.MaxPipelined.class,
                description = "Outstanding queries per client TCP connection before reading pauses, 1 to 65535 (default: 128).")
        int maxPipelined = ProxyConfig.DEFAULT_MAX_PIPELINED;

        @Option(names = "--tcp-idle", paramLabel = "DURATION", converter = Converters.TcpIdle.class,
                description = "Close a client TCP connection idle for this long, 100ms to 1h (default: 30s).")
        Duration tcpIdle = ProxyConfig.DEFAULT_TCP_IDLE;

        @Option(names = "--metrics-name-label", paramLabel = "CAP", arity = "0..1", fallbackValue = "1000",
                converter = Converters.NameCap.class,
                description = "Also count queries by name (dnsflow_queries_by_name_total{name}); opt-in because names "
                        + "are unbounded: the first CAP distinct names (default 1000, at most 100000) get a series, the rest "
                        + "count as name=\"other\".")
        int metricsNameCap;

        @Option(names = "--chaos", paramLabel = "FILE",
                description = "Chaos rules from a YAML file (rules: [...]), reloaded when it changes (a mounted ConfigMap "
                        + "works). A file with an error is rejected whole and the running rules stay.")
        Path chaosFile;

        @Option(names = "--chaos-rule", paramLabel = "'ACTION key=value ...'",
                description = "A chaos rule, repeatable, named cli-1, cli-2, ... unless rule=NAME is given. ACTION is drop, "
                        + "delay, delay-response, rcode, truncate or upstream-drop; keys: name, type, client, transport, "
                        + "every, probability, delay, jitter, rcode, for, include-probes. Example: "
                        + "--chaos-rule 'drop name=*.w.example.com every=2'")
        List<String> chaosRules = new ArrayList<>();

        @Option(names = "--admin-token-file", paramLabel = "PATH",
                description = "Bearer token that changes through the admin API (chaos rules) require; also read from "
                        + "$DNSFLOW_ADMIN_TOKEN. Without one, changes are refused. A file that does not exist (a pod's "
                        + "optional Secret that is not there) is warned about and means no token; an empty or unreadable one "
                        + "is an error.")
        Path adminTokenFile;

        @Option(names = "--context-option", paramLabel = "FIELD=CODE",
                description = "EDNS0 local option code carrying the real client (from CoreDNS's rewrite), repeatable. "
                        + "Defaults: client_ip=65518 (0xffee), client_port=65519, protocol=65520, pod=65521, namespace=65522. "
                        + "The options are stripped before forwarding.")
        List<String> contextOptions = new ArrayList<>();

        @Option(names = "--ecs", paramLabel = "strip|keep",
                description = "EDNS Client Subnet in queries: read it as the origin and strip it (default), or keep "
                        + "forwarding it for geo-aware upstreams.")
        String ecs = "strip";

        @Option(names = "--proxy-protocol-from", paramLabel = "CIDR", split = ",", splitSynopsisLabel = ",",
                description = "Senders whose PROXY protocol v2 header (dnsdist's useProxyProtocol) is believed; from "
                        + "anyone else such a header is malformed input and dropped. Default: none.")
        List<String> proxyProtocolFrom = new ArrayList<>();

        @Option(names = "--dnstap", paramLabel = "unix:PATH|tcp:HOST:PORT|file:PATH",
                description = "Also send every flow as dnstap: CLIENT_QUERY/RESPONSE for the leg to dnsflow and "
                        + "FORWARDER_QUERY/RESPONSE per upstream attempt (the bytes sent, with our ID). extra carries the "
                        + "flow id. Frame Streams with handshake on sockets; reconnects; drops (counted) rather than blocks.")
        String dnstap;

        @Option(names = "--dnstap-identity", paramLabel = "NAME",
                description = "The dnstap identity field (default: the host name).")
        String dnstapIdentity;

        @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = Converters.ShutdownGrace.class,
                description = "On SIGTERM or Ctrl-C: /ready turns 503 at once and queries are still served (CoreDNS's "
                        + "lameduck) for this long, or until none is in flight and none arrived for 1s; then what is "
                        + "left gets SERVFAIL, every flow is recorded and the sinks flushed before exit "
                        + "(default: --deadline + 1s; at most 5m).")
        Duration shutdownGrace;

        /** Where {@code resolv.conf} upstreams come from (nodelocal's {@code --resolv-conf}). */
        Path resolvConf = Path.of("/etc/resolv.conf");

        /** How long a stop waits for queries in flight. */
        public Duration shutdownGrace() {
            return shutdownGrace != null ? shutdownGrace : deadline.plusSeconds(1);
        }

        /** Validates across options; errors name the flag. */
        public ProxyConfig toConfig(CommandSpec spec) {
            return toConfig(spec, Map.of());
        }

        /**
         * As {@link #toConfig(CommandSpec)}, with other defaults for plugin flags not given on the command
         * line ({@code dnsflow nodelocal}'s); a default for a flag no plugin declares is left out.
         */
        ProxyConfig toConfig(CommandSpec spec, Map<String, String> pluginDefaults) {
            try {
                List<ForwardZone> zoneList = new ArrayList<>();
                for (String z : zones) {
                    zoneList.add(Values.zone(z, resolvConf));
                }
                ForwardZone root = zoneList.stream().filter(ForwardZone::isRoot).findFirst().orElse(null);
                if (root != null && !upstreams.isEmpty()) {
                    throw new IllegalArgumentException("--zone .=... and --upstream both give the default upstreams: give one");
                }
                List<InetSocketAddress> up = root != null ? root.upstreams()
                        : upstreams.isEmpty() ? Values.resolvConf(resolvConf) : upstreams;
                if (up.isEmpty()) {
                    throw new IllegalArgumentException("--upstream: none given and " + resolvConf + " lists no nameserver");
                }
                for (InetSocketAddress u : up) {
                    if (listen.contains(u)) {
                        throw new IllegalArgumentException("--upstream " + text(u) + " is dnsflow's own --listen address: it would loop");
                    }
                }
                for (ForwardZone z : zoneList) {
                    for (InetSocketAddress u : z.upstreams()) {
                        if (listen.contains(u)) {
                            throw new IllegalArgumentException("--zone " + z.zone() + ": " + text(u)
                                    + " is dnsflow's own --listen address: it would loop");
                        }
                    }
                }
                List<ChaosRule> chaos = ChaosRules.parseFlags(chaosRules, Instant.now()); // errors name the flag
                ForwardOptions forward = ForwardOptions.defaults().toBuilder().timeouts(timeout, deadline).policy(policy)
                        .maxAttempts(attempts).health(maxFails, healthCheck).sockets(socketsPerUpstream, socketMaxAge)
                        .tcpOnTruncation(tcpOnTruncation).build();
                AllowList allowList = named("--allow", allow);
                InetSocketAddress adminAddress = "off".equalsIgnoreCase(admin) ? null : new Converters.Listen().convert(admin);
                return ProxyConfig.builder(listen.get(0), up).alsoListen(listen.subList(1, listen.size())).zones(zoneList)
                        .forward(forward).allow(allowList)
                        .flowLog(flowLog, flowLogMaxSize, flowLogKeep).flowBuffer(flowBuffer).admin(adminAddress)
                        .eventLoops(threads).tcp(maxTcpClients, maxPipelined, tcpIdle).metricsNameCap(metricsNameCap)
                        .chaosParsed(chaosFile, chaos).adminToken(AdminToken.load(adminTokenFile, m -> {
                            spec.commandLine().getErr().println("warning: " + m);
                            spec.commandLine().getErr().flush();
                        }))
                        .context(ContextCodes.parse(contextOptions), keepEcs(),
                                proxyProtocolFrom.isEmpty() ? null : named("--proxy-protocol-from", proxyProtocolFrom))
                        .dnstap(dnstap, dnstapIdentity).flags(PluginFlags.given(spec, pluginDefaults)).build();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }

        private boolean keepEcs() {
            if (!ecs.equals("strip") && !ecs.equals("keep")) {
                throw new IllegalArgumentException("--ecs: '" + ecs + "' must be strip or keep");
            }
            return ecs.equals("keep");
        }

        private static AllowList named(String flag, List<String> ranges) {
            try {
                return AllowList.parse(ranges);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + ": " + e.getMessage());
            }
        }

        static String text(InetSocketAddress a) {
            String host = a.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
        }
    }
}
