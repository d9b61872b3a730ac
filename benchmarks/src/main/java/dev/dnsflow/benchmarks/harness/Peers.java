package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the peers as child processes on 127.0.0.1 high ports, each with its files in its own
 * directory under the run's temp dir: NSD (the upstream and the ceiling), dnsdist (default and
 * tuned, and with a packet cache), unbound (a forwarding cache) and dnsflow (recording on and off, on with Kubernetes
 * names, and nodelocal with its cache). They stay up for the whole run.
 */
final class Peers {
    private static final long START_TIMEOUT_MS = 20_000;
    /** Listing 10 000 pods from the mock API server, on a machine shared with other work. */
    private static final long SYNC_TIMEOUT_MS = 120_000;

    /** dnsdist's packet cache, entries (its docs' example; NodeLocal DNSCache's template keeps 9 984 per part). */
    static final int PACKET_CACHE = 10_000;
    private static final String DNSDIST_API_KEY = "bench";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path root;

    Peers(Path root) {
        this.root = root;
    }

    /** NSD serving {@link QueryMix#zoneFile()} with response rate limiting off. */
    Setup startNsd(Path nsd) {
        Path dir = dir("nsd");
        int port = Tools.freePort();
        write(dir.resolve("example.com.zone"), QueryMix.zoneFile());
        write(dir.resolve("nsd.conf"), String.join("\n",
                "server:",
                "  ip-address: 127.0.0.1@" + port,
                "  port: " + port,
                "  username: \"\"",
                "  zonesdir: \"" + dir + "\"",
                "  database: \"\"",
                "  pidfile: \"" + dir.resolve("nsd.pid") + "\"",
                "  logfile: \"" + dir.resolve("nsd.log") + "\"",
                "  xfrdfile: \"" + dir.resolve("xfrd.state") + "\"",
                "  zonelistfile: \"" + dir.resolve("zone.list") + "\"",
                "  server-count: 1",
                "  verbosity: 0",
                "  rrl-ratelimit: 0",
                "  rrl-whitelist-ratelimit: 0",
                "remote-control:",
                "  control-enable: no",
                "zone:",
                "  name: example.com",
                "  zonefile: example.com.zone",
                ""));
        ChildProcess p = ChildProcess.start("nsd", List.of(nsd.toString(), "-d", "-c", dir.resolve("nsd.conf").toString()),
                Map.of(), dir, dir.resolve("nsd.out"));
        return up(new Setup(Setup.DIRECT, loopback(port), p, "NSD " + "(server-count 1, rrl-ratelimit 0), queried directly"));
    }

    /** dnsdist forwarding to {@code upstream}, no packet cache; tuned as its docs advise, or with defaults. */
    Setup startDnsdist(Path dnsdist, String name, InetSocketAddress upstream, boolean tuned) {
        return startDnsdist(dnsdist, name, upstream, tuned, false);
    }

    /**
     * dnsdist tuned as {@link #startDnsdist} tunes it, plus the packet cache its docs set up ({@value #PACKET_CACHE}
     * entries: "Caching Responses", {@code newPacketCache(10000, {maxTTL=86400, minTTL=0, ...})} on the default pool),
     * and its web server on loopback, whose {@code jsonstat} gives the cache's hits and misses.
     */
    Setup startDnsdistPacketCache(Path dnsdist, InetSocketAddress upstream) {
        return startDnsdist(dnsdist, Setup.DNSDIST_CACHE, upstream, true, true);
    }

    private Setup startDnsdist(Path dnsdist, String name, InetSocketAddress upstream, boolean tuned, boolean cache) {
        Path dir = dir(name);
        int port = Tools.freePort();
        String listen = "127.0.0.1:" + port;
        String backend = "127.0.0.1:" + upstream.getPort();
        List<String> lua = new ArrayList<>(List.of("setSecurityPollSuffix(\"\")"));
        if (tuned) {
            lua.add("setLocal(\"" + listen + "\", {reusePort=true})");
            lua.add("addLocal(\"" + listen + "\", {reusePort=true})");
            lua.add("setUDPMultipleMessagesVectorSize(32)");
            lua.add("newServer({address=\"" + backend + "\", healthCheckMode=\"up\", sockets=2})");
        } else {
            lua.add("setLocal(\"" + listen + "\")");
            lua.add("newServer({address=\"" + backend + "\", healthCheckMode=\"up\"})");
        }
        int web = cache ? Tools.freePort() : 0;
        if (cache) {
            lua.add("pc = newPacketCache(" + PACKET_CACHE + ", {maxTTL=86400, minTTL=0, temporaryFailureTTL=60, "
                    + "staleTTL=60, dontAge=false})");
            lua.add("getPool(\"\"):setCache(pc)");
        }
        List<String> stats = cache ? List.of("webserver(\"127.0.0.1:" + web + "\")",
                "setWebserverConfig({apiKey=\"" + DNSDIST_API_KEY + "\", acl=\"127.0.0.0/8\"})") : List.of();
        String config = String.join("\n", lua) + "\n" + String.join("\n", stats) + "\n";
        write(dir.resolve("dnsdist.conf"), config);
        ChildProcess p = ChildProcess.start(name, List.of(dnsdist.toString(), "--supervised", "--disable-syslog",
                "-C", dir.resolve("dnsdist.conf").toString()), Map.of(), dir, dir.resolve("dnsdist.out"));
        String shown = String.join("; ", lua).replace(listen, "127.0.0.1:PORT").replace(backend, "127.0.0.1:NSD_PORT");
        if (!cache) {
            return up(new Setup(name, loopback(port), p, "dnsdist, no cache: `" + shown + "`"));
        }
        return up(new Setup(name, loopback(port), p, "dnsdist with a packet cache: `" + shown + "` (and its web server on "
                + "loopback for the cache's counters, idle during the runs)", () -> dnsdistCacheCounters(web)));
    }

    private static final Pattern DNSDIST_HITS = Pattern.compile("\"cache-hits\":\\s*(\\d+)");
    private static final Pattern DNSDIST_MISSES = Pattern.compile("\"cache-misses\":\\s*(\\d+)");

    /** dnsdist's {@code cache-hits} and {@code cache-misses} from {@code /jsonstat?command=stats}; null if unreadable. */
    static long[] dnsdistCacheCounters(int webPort) {
        HttpRequest get = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + webPort + "/jsonstat?command=stats"))
                .header("X-API-Key", DNSDIST_API_KEY).timeout(Duration.ofSeconds(5)).build();
        try {
            String body = HTTP.send(get, HttpResponse.BodyHandlers.ofString()).body();
            return dnsdistCacheCounters(body);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static long[] dnsdistCacheCounters(String jsonstat) {
        Matcher h = DNSDIST_HITS.matcher(jsonstat);
        Matcher m = DNSDIST_MISSES.matcher(jsonstat);
        return h.find() && m.find() ? new long[] {Long.parseLong(h.group(1)), Long.parseLong(m.group(1))} : null;
    }

    /**
     * unbound as a forwarding cache to {@code upstream}: {@code forward-zone "."} to NSD, two threads (one per
     * core, as dnsflow's event loops and dnsdist tuned's listeners), caches far larger than the mix, QNAME
     * minimisation off, no validator ({@code module-config: "iterator"}); its control socket (a Unix socket, no
     * certificates) gives {@code total.num.cachehits} and {@code cachemiss} through {@code unbound-control}.
     */
    Setup startUnbound(Path unbound, Path unboundControl, InetSocketAddress upstream) {
        String name = Setup.UNBOUND_CACHE;
        Path dir = dir(name);
        int port = Tools.freePort();
        List<String> server = List.of(
                "  interface: 127.0.0.1@" + port,
                "  port: " + port,
                "  do-daemonize: no",
                "  username: \"\"",
                "  chroot: \"\"",
                "  directory: \"" + dir + "\"",
                "  pidfile: \"" + dir.resolve("unbound.pid") + "\"",
                "  use-syslog: no",
                "  logfile: \"\"",
                "  verbosity: 0",
                "  num-threads: 2",
                "  so-reuseport: yes",
                "  msg-cache-size: 32m",
                "  rrset-cache-size: 64m",
                "  num-queries-per-thread: 4096",
                "  do-ip6: no",
                "  do-not-query-localhost: no",
                "  qname-minimisation: no",
                "  module-config: \"iterator\"",
                "  access-control: 127.0.0.0/8 allow");
        List<String> conf = new ArrayList<>(List.of("server:"));
        conf.addAll(server);
        conf.addAll(List.of(
                "remote-control:",
                "  control-enable: yes",
                "  control-interface: \"" + dir.resolve("control.sock") + "\"",
                "forward-zone:",
                "  name: \".\"",
                "  forward-addr: 127.0.0.1@" + upstream.getPort(),
                ""));
        Path file = dir.resolve("unbound.conf");
        write(file, String.join("\n", conf));
        ChildProcess p = ChildProcess.start(name, List.of(unbound.toString(), "-d", "-c", file.toString()), Map.of(), dir,
                dir.resolve("unbound.out"));
        String shown = String.join("; ", server.stream().map(String::strip)
                .filter(l -> !l.startsWith("interface") && !l.startsWith("port") && !l.startsWith("directory")
                        && !l.startsWith("pidfile") && !l.startsWith("logfile") && !l.startsWith("username")
                        && !l.startsWith("chroot") && !l.startsWith("use-syslog") && !l.startsWith("do-daemonize"))
                .toList());
        Setup.CacheCounters counters = unboundControl == null ? null : () -> unboundCacheCounters(unboundControl, file);
        return up(new Setup(name, loopback(port), p, "unbound as a forwarding cache: `" + shown
                + "; forward-zone \".\" forward-addr 127.0.0.1@NSD_PORT`", counters));
    }

    /** {@code unbound-control stats_noreset}'s {@code total.num.cachehits} and {@code cachemiss}; null if unreadable. */
    static long[] unboundCacheCounters(Path unboundControl, Path conf) {
        try {
            Process p = new ProcessBuilder(unboundControl.toString(), "-c", conf.toString(), "stats_noreset")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 ? unboundCacheCounters(out) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static long[] unboundCacheCounters(String stats) {
        Long hits = null;
        Long misses = null;
        for (String line : stats.split("\n")) {
            if (line.startsWith("total.num.cachehits=")) {
                hits = Long.parseLong(line.substring(line.indexOf('=') + 1).strip());
            } else if (line.startsWith("total.num.cachemiss=")) {
                misses = Long.parseLong(line.substring(line.indexOf('=') + 1).strip());
            }
        }
        return hits == null || misses == null ? null : new long[] {hits, misses};
    }

    /**
     * {@code dnsflow nodelocal} as users run it, in front of NSD: {@code --zone .=NSD}, its defaults (the cache on with
     * the node-local-dns template's sizes, recording on with the default ring, the hand-off on), the admin API on a
     * free port for {@code /metrics}, its own /health and node-cache metrics port off (the admin API serves both).
     * The cache's hits and misses come from {@code dnsflow_cache_hits_total} and {@code dnsflow_cache_misses_total}.
     * A build without the cache plugin serves without it: the description then says so.
     */
    Setup startNodelocal(List<String> launcher, InetSocketAddress upstream, String javaOpts) {
        String name = Setup.NODELOCAL_CACHE;
        Path dir = dir(name);
        int port = Tools.freePort();
        int admin = Tools.freePort();
        List<String> cmd = new ArrayList<>(launcher);
        int first = cmd.size();
        cmd.addAll(List.of("nodelocal", "--listen", "127.0.0.1:" + port, "--zone", ".=127.0.0.1:" + upstream.getPort(),
                "--admin", "127.0.0.1:" + admin, "--health", "off", "--metrics", "off"));
        ChildProcess p = ChildProcess.start(name, cmd, Map.of("DNSFLOW_JAVA_OPTS", javaOpts), dir, dir.resolve("dnsflow.out"));
        String args = String.join(" ", cmd.subList(first, cmd.size()))
                .replace("127.0.0.1:" + port, "127.0.0.1:PORT").replace("127.0.0.1:" + upstream.getPort(), "127.0.0.1:NSD_PORT")
                .replace("127.0.0.1:" + admin, "127.0.0.1:ADMIN_PORT").replaceAll("http://127\\.0\\.0\\.1:\\d+", "http://127.0.0.1:OTLP_PORT");
        String flags = launcher.size() > 1 ? "`" + String.join(" ", launcher.subList(0, first - 2)) + " -jar dnsflow.jar`, no launcher"
                : javaOpts.isBlank() ? "the launcher's JVM flags" : "DNSFLOW_JAVA_OPTS=`" + javaOpts + "`";
        Setup.CacheCounters counters = () -> AdminMetrics.cacheCounters(AdminMetrics.fetch(admin));
        Setup setup = up(new Setup(name, loopback(port), p, "`dnsflow " + args + "` (" + flags
                + "; its defaults: cache on, `--cache-success 9984:30s --cache-denial 9984:5s`, the 100 000-flow ring)", counters));
        if (counters.read() == null) {
            String notice = "NO CACHE: this build has no cache plugin (no dnsflow_cache_* metrics), so nodelocal served "
                    + "without one";
            System.out.println("WARNING " + name + ": " + notice);
            return new Setup(name, setup.address(), p, setup.description() + ". **" + notice + "**", counters);
        }
        return setup;
    }

    /**
     * dnsflow via {@code launcher} (./dnsflow, or {@code java FLAGS -jar dnsflow.jar}), with {@code javaOpts} in DNSFLOW_JAVA_OPTS. Recording on: the default
     * ring (100 000 flows) and the admin API on a free port, as users run it; with the log, also a
     * rotated JSON-lines flow log in the temp dir. Off: {@code --flow-buffer 0} and {@code --admin off},
     * so nothing wants flows and the event loops build none.
     */
    Setup startDnsflow(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording, String javaOpts)
            throws InterruptedException {
        return startDnsflow(launcher, name, upstream, recording, javaOpts, null);
    }

    /**
     * Recording on, plus Kubernetes names from {@code cluster}: {@code --kubernetes on --kubeconfig FILE}, run as
     * {@link MockCluster#podEnv() its CoreDNS pod}. Returned once the pods are synced ({@code
     * dnsflow_kubernetes_synced{resource="pods"} 1}) and a flow was named after a pod, so every measured flow has names.
     */
    Setup startDnsflowWithNames(List<String> launcher, InetSocketAddress upstream, String javaOpts, MockCluster cluster)
            throws InterruptedException {
        return startDnsflow(launcher, Setup.NAMES_ON, upstream, Setup.Recording.RING, javaOpts, cluster);
    }

    /**
     * Recording on, plus every flow's trace exported over OTLP to {@code receiver} at {@code sample}. Returned once the
     * receiver got an export, when every flow is exported ({@code sample} 1), so the measured runs do export.
     */
    Setup startDnsflowWithOtlp(List<String> launcher, String name, InetSocketAddress upstream, String javaOpts,
                               OtlpReceiver receiver, String sample) throws InterruptedException {
        Setup setup = startDnsflow(launcher, name, upstream, Setup.Recording.RING, javaOpts, null,
                List.of("--otlp-endpoint", receiver.endpoint(), "--otlp-sample", sample));
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (Double.parseDouble(sample) >= 1 && receiver.requests() == 0) {
            if (System.currentTimeMillis() > deadline || !setup.process().isAlive()) {
                throw new IllegalStateException(name + ": no OTLP export reached the receiver within "
                        + START_TIMEOUT_MS / 1000 + " s; see " + setup.process());
            }
            Tools.waitForDns(setup.address(), START_TIMEOUT_MS, setup.process());
            Thread.sleep(200);
        }
        return setup;
    }

    private Setup startDnsflow(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording,
                               String javaOpts, MockCluster cluster) throws InterruptedException {
        return startDnsflow(launcher, name, upstream, recording, javaOpts, cluster, List.of());
    }

    /** {@code recording} as the main setups, running another build's jar through the launcher ({@code DNSFLOW_JAR}): A/B of two builds. */
    Setup startDnsflowJar(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording, Path jar)
            throws InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar-variant: no such jar " + jar);
        }
        return startDnsflow(launcher, name, upstream, recording, "", null, List.of(), Map.of("DNSFLOW_JAR", jar.toString()));
    }

    private Setup startDnsflow(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording,
                               String javaOpts, MockCluster cluster, List<String> extra) throws InterruptedException {
        return startDnsflow(launcher, name, upstream, recording, javaOpts, cluster, extra, Map.of());
    }

    private Setup startDnsflow(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording,
                               String javaOpts, MockCluster cluster, List<String> extra, Map<String, String> extraEnv)
            throws InterruptedException {
        Path dir = dir(name);
        int port = Tools.freePort();
        List<String> cmd = new ArrayList<>(launcher);
        int first = cmd.size();
        cmd.addAll(List.of("proxy", "--listen", "127.0.0.1:" + port, "--upstream", "127.0.0.1:" + upstream.getPort()));
        int admin = recording == Setup.Recording.OFF ? 0 : Tools.freePort();
        switch (recording) {
            case OFF -> cmd.addAll(List.of("--flow-buffer", "0", "--admin", "off"));
            case RING -> cmd.addAll(List.of("--admin", "127.0.0.1:" + admin));
            case RING_AND_LOG -> cmd.addAll(List.of("--admin", "127.0.0.1:" + admin, "--flow-log",
                    dir.resolve("flows.jsonl").toString(), "--flow-log-max-size", "64MB", "--flow-log-keep", "2"));
        }
        Map<String, String> env = new HashMap<>(Map.of("DNSFLOW_JAVA_OPTS", javaOpts));
        env.putAll(extraEnv);
        if (cluster != null) {
            cmd.addAll(List.of("--kubernetes", "on", "--kubeconfig", cluster.kubeconfig().toString()));
            env.putAll(MockCluster.podEnv());
        }
        cmd.addAll(extra);
        ChildProcess p = ChildProcess.start(name, cmd, env, dir, dir.resolve("dnsflow.out"));
        String args = String.join(" ", cmd.subList(first, cmd.size())).replace(root.toString(), "$TMP")
                .replace("127.0.0.1:" + port, "127.0.0.1:PORT").replace("127.0.0.1:" + upstream.getPort(), "127.0.0.1:NSD_PORT")
                .replace("127.0.0.1:" + admin, "127.0.0.1:ADMIN_PORT").replaceAll("http://127\\.0\\.0\\.1:\\d+", "http://127.0.0.1:OTLP_PORT");
        String flags = launcher.size() > 1 ? "`" + String.join(" ", launcher.subList(0, first - 2)) + " -jar dnsflow.jar`, no launcher"
                : javaOpts.isBlank() ? "the launcher's JVM flags" : "DNSFLOW_JAVA_OPTS=`" + javaOpts + "`";
        if (extraEnv.containsKey("DNSFLOW_JAR")) {
            flags += ", DNSFLOW_JAR=`" + extraEnv.get("DNSFLOW_JAR") + "`";
        }
        String names = cluster == null ? "" : "; as pod " + MockCluster.podEnv().get("POD_NAMESPACE") + "/"
                + MockCluster.podEnv().get("POD_NAME") + " (POD_NAME, POD_NAMESPACE, NODE_NAME, POD_IP), against "
                + MockCluster.describe();
        Setup setup = up(new Setup(name, loopback(port), p, "`dnsflow " + args + "` (" + flags + names + ")"));
        if (cluster != null) {
            AdminMetrics.await(admin, "dnsflow_kubernetes_synced", "resource=\"pods\"", v -> v == 1, SYNC_TIMEOUT_MS, p);
            Tools.waitForDns(setup.address(), START_TIMEOUT_MS, p); // one more flow, named now that the pods are in
            AdminMetrics.await(admin, "dnsflow_flows_enriched_total", "kind=\"pod\"", v -> v >= 1, SYNC_TIMEOUT_MS, p);
        }
        return setup;
    }

    private static Setup up(Setup setup) {
        Tools.waitForDns(setup.address(), START_TIMEOUT_MS, setup.process());
        return setup;
    }

    private Path dir(String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
