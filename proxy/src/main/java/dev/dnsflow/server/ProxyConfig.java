package dev.dnsflow.server;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.admin.AdminToken;
import dev.dnsflow.chaos.ChaosRule;
import dev.dnsflow.chaos.ChaosRules;
import dev.dnsflow.context.ContextCodes;
import dev.dnsflow.dnstap.Destination;
import dev.dnsflow.forward.ForwardOptions;
import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.record.FlowRing;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything {@code dnsflow proxy} is told, already parsed and checked.
 *
 * @param listen          UDP and TCP address (port 0 picks one free for both)
 * @param flowLog         JSON lines destination: null for none, "-" for stdout, else a path
 * @param flowBuffer      flows kept in memory (0: none)
 * @param admin           admin HTTP address, or null for none
 * @param eventLoops      I/O threads (each with its own UDP socket under epoll)
 * @param maxTcpClients   open client TCP connections at most
 * @param maxPipelined    outstanding queries per client TCP connection before reading pauses
 * @param tcpIdle         a client TCP connection with no traffic for this long is closed
 * @param metricsNameCap  distinct query names given their own metric label; 0 for no name label
 * @param chaosFile       YAML chaos rules, watched for changes; null for none
 * @param chaosRules      the {@code --chaos-rule} flags, parsed
 * @param flags           values of the flags plugins declare for themselves
 * @param adminToken      what mutating admin endpoints require
 * @param contextCodes    EDNS0 local option codes carrying the real client
 * @param keepEcs         forward ECS upstream unchanged instead of stripping it
 * @param proxyProtocolFrom senders whose PROXY v2 headers are believed; null for none
 * @param dnstap          dnstap output ({@code unix:PATH}, {@code tcp:HOST:PORT}, {@code file:PATH}), or null
 * @param dnstapIdentity  the dnstap identity field (default: the host name)
 * @param alsoListen      further addresses served like {@code listen} (nodelocal: the kube-dns service IP)
 * @param zones           per-zone upstreams ({@code --zone}); the longest zone containing a name wins
 */
public record ProxyConfig(InetSocketAddress listen, List<InetSocketAddress> upstreams, ForwardOptions forward,
                          AllowList allow, String flowLog, long flowLogMaxBytes, int flowLogKeep, int flowBuffer,
                          InetSocketAddress admin, int eventLoops, int maxTcpClients, int maxPipelined,
                          Duration tcpIdle, int metricsNameCap, Path chaosFile, List<ChaosRule> chaosRules,
                          AdminToken adminToken, ContextCodes contextCodes,
                          boolean keepEcs, AllowList proxyProtocolFrom, String dnstap, String dnstapIdentity,
                          Flags flags, List<InetSocketAddress> alsoListen, List<ForwardZone> zones) {

    public static final int DEFAULT_PORT = 5353;
    public static final int DEFAULT_FLOW_BUFFER = 100_000;
    public static final long DEFAULT_FLOW_LOG_MAX_BYTES = 100L << 20;
    public static final int DEFAULT_FLOW_LOG_KEEP = 3;
    public static final int DEFAULT_MAX_TCP_CLIENTS = 1000;
    public static final int DEFAULT_MAX_PIPELINED = 128;
    public static final Duration DEFAULT_TCP_IDLE = Duration.ofSeconds(30);
    public static final InetSocketAddress DEFAULT_ADMIN = new InetSocketAddress("127.0.0.1", 9553);

    public ProxyConfig {
        upstreams = List.copyOf(upstreams);
        chaosRules = List.copyOf(chaosRules);
        alsoListen = List.copyOf(alsoListen);
        zones = List.copyOf(zones);
        if (alsoListen.contains(listen) || alsoListen.stream().distinct().count() < alsoListen.size()) {
            throw new IllegalArgumentException("--listen: an address is given twice");
        }
        if (zones.stream().map(ForwardZone::zone).distinct().count() < zones.size()) {
            throw new IllegalArgumentException("--zone: a zone is given twice");
        }
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("no upstream: give --upstream HOST[:PORT]");
        }
        if (upstreams.size() > 15) {
            throw new IllegalArgumentException("at most 15 upstreams (as CoreDNS forward), got " + upstreams.size());
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("--threads must be at least 1");
        }
        if (flowBuffer < 0 || flowBuffer > FlowRing.MAX_CAPACITY) {
            throw new IllegalArgumentException("--flow-buffer must be between 0 and " + FlowRing.MAX_CAPACITY
                    + ", got " + flowBuffer);
        }
        if (dnstap != null) {
            Destination.parse(dnstap); // fails now, naming --dnstap, rather than at start-up
        }
        if (metricsNameCap < 0) {
            throw new IllegalArgumentException("--metrics-name-label cap must not be negative");
        }
        if (maxTcpClients < 1 || maxPipelined < 1) {
            throw new IllegalArgumentException("--max-tcp-clients and --max-pipelined must be at least 1");
        }
    }

    /** Defaults for everything but where to listen and forward. */
    public static Builder builder(InetSocketAddress listen, List<InetSocketAddress> upstreams) {
        return new Builder(listen, upstreams);
    }

    public static ProxyConfig of(InetSocketAddress listen, List<InetSocketAddress> upstreams) {
        return builder(listen, upstreams).build();
    }

    /** Collects options with their defaults; {@link #build()} validates them together. */
    public static final class Builder {
        private final InetSocketAddress listen;
        private final List<InetSocketAddress> upstreams;
        private ForwardOptions forward = ForwardOptions.defaults();
        private AllowList allow = AllowList.defaults();
        private String flowLog;
        private long flowLogMaxBytes = DEFAULT_FLOW_LOG_MAX_BYTES;
        private int flowLogKeep = DEFAULT_FLOW_LOG_KEEP;
        private int flowBuffer = DEFAULT_FLOW_BUFFER;
        private InetSocketAddress admin;
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private int maxTcpClients = DEFAULT_MAX_TCP_CLIENTS;
        private int maxPipelined = DEFAULT_MAX_PIPELINED;
        private Duration tcpIdle = DEFAULT_TCP_IDLE;
        private int metricsNameCap;
        private Path chaosFile;
        private List<String> chaosRules = List.of();
        private List<ChaosRule> chaosParsed;
        private AdminToken adminToken = AdminToken.none();
        private ContextCodes contextCodes = ContextCodes.DEFAULT;
        private boolean keepEcs;
        private AllowList proxyProtocolFrom;
        private String dnstap;
        private String dnstapIdentity;
        private Flags flags = Flags.none();
        private List<InetSocketAddress> alsoListen = List.of();
        private List<ForwardZone> zones = List.of();

        private Builder(InetSocketAddress listen, List<InetSocketAddress> upstreams) {
            this.listen = listen;
            this.upstreams = upstreams;
        }

        public Builder forward(ForwardOptions forward) {
            this.forward = forward;
            return this;
        }

        public Builder allow(AllowList allow) {
            this.allow = allow;
            return this;
        }

        public Builder flowLog(String flowLog, long maxBytes, int keep) {
            this.flowLog = flowLog;
            this.flowLogMaxBytes = maxBytes;
            this.flowLogKeep = keep;
            return this;
        }

        public Builder flowBuffer(int flowBuffer) {
            this.flowBuffer = flowBuffer;
            return this;
        }

        public Builder admin(InetSocketAddress admin) {
            this.admin = admin;
            return this;
        }

        public Builder eventLoops(int eventLoops) {
            this.eventLoops = eventLoops;
            return this;
        }

        public Builder tcp(int maxClients, int maxPipelined, Duration idle) {
            this.maxTcpClients = maxClients;
            this.maxPipelined = maxPipelined;
            this.tcpIdle = idle;
            return this;
        }

        public Builder metricsNameCap(int cap) {
            this.metricsNameCap = cap;
            return this;
        }

        public Builder chaos(Path file, List<String> rules) {
            this.chaosFile = file;
            this.chaosRules = rules;
            this.chaosParsed = null;
            return this;
        }

        /** Rules the caller parsed already ({@link ChaosRules#parseFlags}), so they are parsed once. */
        public Builder chaosParsed(Path file, List<ChaosRule> rules) {
            this.chaosFile = file;
            this.chaosParsed = rules;
            return this;
        }

        public Builder adminToken(AdminToken token) {
            this.adminToken = token;
            return this;
        }

        public Builder context(ContextCodes codes, boolean keepEcs, AllowList proxyProtocolFrom) {
            this.contextCodes = codes;
            this.keepEcs = keepEcs;
            this.proxyProtocolFrom = proxyProtocolFrom;
            return this;
        }

        public Builder dnstap(String destination, String identity) {
            this.dnstap = destination;
            this.dnstapIdentity = identity;
            return this;
        }

        /** Values for the flags plugins declare ({@link dev.dnsflow.plan.Plugin#flags}). */
        public Builder flags(Flags flags) {
            this.flags = flags;
            return this;
        }

        /** Further addresses to serve on, after the first ({@code --listen} repeated). */
        public Builder alsoListen(List<InetSocketAddress> addresses) {
            this.alsoListen = addresses;
            return this;
        }

        /** Per-zone upstreams ({@code --zone}); a root zone only sets whether the default upstreams are forced to TCP. */
        public Builder zones(List<ForwardZone> zones) {
            this.zones = zones;
            return this;
        }

        /** Checks everything together; {@code --chaos-rule} texts not parsed yet are parsed here. */
        public ProxyConfig build() {
            return new ProxyConfig(listen, upstreams, forward, allow, flowLog, flowLogMaxBytes, flowLogKeep, flowBuffer,
                    admin, eventLoops, maxTcpClients, maxPipelined, tcpIdle, metricsNameCap, chaosFile,
                    chaosParsed != null ? chaosParsed : ChaosRules.parseFlags(chaosRules, Instant.now()), adminToken, contextCodes, keepEcs, proxyProtocolFrom,
                    dnstap, dnstapIdentity, flags, alsoListen, zones);
        }
    }

    /** Every address DNS is served on: {@code listen} first. */
    public List<InetSocketAddress> listenAll() {
        List<InetSocketAddress> all = new java.util.ArrayList<>();
        all.add(listen);
        all.addAll(alsoListen);
        return all;
    }

    public Path flowLogPath() {
        return flowLog == null || flowLog.equals("-") ? null : Path.of(flowLog);
    }
}
