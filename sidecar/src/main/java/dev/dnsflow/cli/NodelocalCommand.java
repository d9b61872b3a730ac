package dev.dnsflow.cli;

import dev.dnsflow.corefile.NodelocalCorefile;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dnsflow nodelocal}: a stand-in for NodeLocal DNSCache's node-cache, one per node, that records every query. */
@Command(name = "nodelocal", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = PluginFlags.class,
        description = {
            "A stand-in for NodeLocal DNSCache's node-cache: one per node, on the link-local address (and the "
                + "kube-dns service IP in iptables mode), forwarding the cluster domain to CoreDNS over TCP and the rest "
                + "to the node's resolv.conf, and recording every query as a flow with the pod that asked.",
            "",
            "Drop-in: --corefile reads the node-local-dns ConfigMap's Corefile as Kubernetes ships it (placeholders "
                + "filled as node-cache fills them). The link-local interface and the iptables NOTRACK rules are not "
                + "set up here: keep node-cache's setup (or your own) for them.",
            ""},
        footer = {"", "Examples:",
            "  dnsflow nodelocal --corefile /etc/coredns/Corefile.base --localip 169.254.20.10,10.96.0.10",
            "  dnsflow nodelocal --listen 169.254.20.10:53 --listen 10.96.0.10:53 \\",
            "      --zone cluster.local=10.96.0.11/tcp --zone in-addr.arpa=10.96.0.11/tcp \\",
            "      --zone ip6.arpa=10.96.0.11/tcp --zone .=resolv.conf"})
public final class NodelocalCommand implements Callable<Integer> {
    static final String LINK_LOCAL = "169.254.20.10";
    static final int HEALTH_PORT = 8080;
    static final String METRICS = "0.0.0.0:9253";

    @Spec
    CommandSpec spec;

    @Mixin
    ProxyCommand.ProxyOptions options;

    @Option(names = "--corefile", paramLabel = "PATH",
            description = "The node-local-dns ConfigMap's Corefile: bind, forward (with force_tcp), cache, health, "
                    + "prometheus, errors, reload, loop and log are read; any other plugin is refused by name. It sets "
                    + "--listen, --zone, --health and --metrics, which cannot be given with it.")
    Path corefile;

    @Option(names = "--localip", paramLabel = "IP[,IP...]",
            description = "node-cache's -localip: the addresses to listen on (port 53), filling __PILLAR__LOCAL__DNS__. "
                    + "Default without --listen: " + LINK_LOCAL + ".")
    String localIp;

    @Option(names = "--upstreamsvc", paramLabel = "NAME",
            description = "node-cache's -upstreamsvc: the Service whose IP ($NAME_SERVICE_HOST, e.g. "
                    + "KUBE_DNS_UPSTREAM_SERVICE_HOST) fills __PILLAR__CLUSTER__DNS__ (default: ${DEFAULT-VALUE}).",
            defaultValue = "kube-dns-upstream")
    String upstreamService;

    @Option(names = "--dns-domain", paramLabel = "DOMAIN",
            description = "The cluster domain, for __PILLAR__DNS__DOMAIN__ if the Corefile still has it (default: ${DEFAULT-VALUE}).",
            defaultValue = "cluster.local")
    String dnsDomain;

    @Option(names = "--health", paramLabel = "HOST:PORT|off",
            description = "Where /health answers (node-cache's liveness probe). Default: the first listen address, port "
                    + HEALTH_PORT + ".")
    String health;

    @Option(names = "--metrics", paramLabel = "HOST:PORT|off",
            description = "Where /metrics answers, besides the admin API (default: " + METRICS + ", node-cache's port).")
    String metrics;

    @Option(names = "--resolv-conf", paramLabel = "PATH",
            description = "The node's resolv.conf, for resolv.conf upstreams and __PILLAR__UPSTREAM__SERVERS__ (default: ${DEFAULT-VALUE}).",
            defaultValue = "/etc/resolv.conf")
    Path resolvConf;

    @Option(names = "--no-cache", description = "Do not turn the cache on (nodelocal's default is on, with the template's sizes).")
    boolean noCache;

    /** What {@link #call} starts, built without binding anything (tests compare it). */
    record Prepared(ProxyConfig config, NodelocalEndpoints endpoints, List<String> notices) {
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Prepared p = prepare(System.getenv());
        p.notices().forEach(n -> err.println("dnsflow nodelocal: " + n));
        List<Plugin> extra = Stream.concat(Stream.of((Plugin) p.endpoints()), AppPlugins.serving(err).stream()).toList();
        try (DnsProxy proxy = DnsProxy.start(p.config(), ProxyMetrics.prometheus(), extra)) {
            ProxyCommand.serveUntilStopped(proxy, err, banner(proxy, p.endpoints()), options.shutdownGrace());
        }
        return 0;
    }

    static String banner(DnsProxy proxy, NodelocalEndpoints endpoints) {
        StringBuilder sb = new StringBuilder(ProxyCommand.banner(proxy).replace("dnsflow proxy", "dnsflow nodelocal"));
        if (endpoints.healthAddress() != null) {
            sb.append("\n  health: http://").append(ProxyCommand.ProxyOptions.text(endpoints.healthAddress())).append("/health");
        }
        if (endpoints.metricsAddress() != null) {
            sb.append("\n  metrics: http://").append(ProxyCommand.ProxyOptions.text(endpoints.metricsAddress())).append("/metrics");
        }
        return sb.toString();
    }

    /** Reads the Corefile (if any), fills in nodelocal's defaults and checks everything; errors name the flag or line. */
    Prepared prepare(Map<String, String> env) {
        List<String> notices = new ArrayList<>();
        options.resolvConf = resolvConf;
        var parsed = spec.commandLine().getParseResult();
        String success = NodelocalDefaults.SUCCESS;
        String denial = NodelocalDefaults.DENIAL;
        List<String> clusterZones = NodelocalDefaults.clusterZones(options.zones == null ? List.of() : options.zones);
        if (corefile != null) {
            for (String flag : List.of("--listen", "--zone", "--upstream", "--health", "--metrics")) {
                if (parsed != null && parsed.hasMatchedOption(flag)) {
                    throw new ParameterException(spec.commandLine(), flag + " cannot be given with --corefile: the Corefile "
                            + "sets it (bind, forward, health, prometheus)");
                }
            }
            NodelocalCorefile.Setup setup = NodelocalCorefile.read(read(corefile), corefile.toString(),
                    NodelocalCorefile.pillars(env, localIp, upstreamService, dnsDomain));
            notices.addAll(setup.notices());
            if (setup.bind().isEmpty()) {
                throw new ParameterException(spec.commandLine(), corefile + ": no bind: give the addresses to listen on");
            }
            options.listen = new ArrayList<>();
            for (String ip : setup.bind()) {
                options.listen.add(address(ip, setup.port(), "bind"));
            }
            options.zones = new ArrayList<>();
            List<String> fromCorefile = new ArrayList<>();
            for (NodelocalCorefile.Zone z : setup.zones()) {
                options.zones.add(zoneSpec(z));
                fromCorefile.add(z.zone() + "=" + String.join(",", z.to()));
            }
            clusterZones = NodelocalDefaults.clusterZones(fromCorefile);
            health = setup.health() == null ? "off" : setup.health();
            metrics = setup.metrics() == null ? "off" : setup.metrics();
            if (setup.success() != null) {
                success = setup.success().flagValue();
                denial = setup.denial().flagValue();
            } else if (!noCache) {
                notices.add("the Corefile has no cache: the cache stays off");
                noCache = true;
            }
            if (setup.log() && options.flowLog == null) {
                options.flowLog = "-"; // CoreDNS's log: a line per query; ours is the flow
            }
        } else if (parsed == null || !parsed.hasMatchedOption("--listen")) {
            options.listen = new ArrayList<>();
            for (String ip : (localIp == null ? LINK_LOCAL : localIp).split(",")) {
                options.listen.add(address(ip.trim(), 53, "--localip"));
            }
        }
        Map<String, String> wanted = NodelocalDefaults.wanted(!noCache, success, denial, clusterZones);
        List<String> missing = NodelocalDefaults.notDeclared(wanted);
        if (!missing.isEmpty()) {
            notices.add("this build has no " + String.join(", ", missing) + ": running without "
                    + (missing.size() == 1 ? "it" : "them"));
        }
        ProxyConfig config = options.toConfig(spec, wanted);
        InetSocketAddress first = config.listen();
        InetSocketAddress healthAt = endpoint(health, "--health", new InetSocketAddress(first.getAddress(), HEALTH_PORT));
        InetSocketAddress metricsAt = endpoint(metrics, "--metrics", parse(METRICS, "--metrics"));
        return new Prepared(config, new NodelocalEndpoints(healthAt, metricsAt), List.copyOf(notices));
    }

    /** {@code cluster.local=10.96.0.11:53/tcp}; a resolv.conf path becomes its nameservers. */
    private String zoneSpec(NodelocalCorefile.Zone z) {
        List<String> to = new ArrayList<>();
        for (String t : z.to()) {
            if (t.startsWith("/")) {
                Path path = t.equals("/etc/resolv.conf") ? resolvConf : Path.of(t);
                List<InetSocketAddress> servers = Values.resolvConf(path);
                if (servers.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), corefile + ": line " + z.line() + ": " + path
                            + " lists no nameserver");
                }
                servers.forEach(s -> to.add(ProxyCommand.ProxyOptions.text(s)));
            } else {
                to.add(t);
            }
        }
        return z.zone() + "=" + String.join(",", to) + (z.forceTcp() ? "/tcp" : "");
    }

    private InetSocketAddress address(String ip, int port, String from) {
        try {
            return Values.hostPort(ip.contains(":") && !ip.startsWith("[") ? "[" + ip + "]:" + port : ip + ":" + port, port);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), from + ": " + e.getMessage(), e);
        }
    }

    private InetSocketAddress endpoint(String value, String flag, InetSocketAddress dflt) {
        if (value == null) {
            return dflt;
        }
        return "off".equalsIgnoreCase(value) ? null : parse(value, flag);
    }

    private InetSocketAddress parse(String value, String flag) {
        try {
            return new Converters.Listen().convert(value);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), flag + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --corefile " + path + ": " + e.getMessage(), e);
        }
    }
}
