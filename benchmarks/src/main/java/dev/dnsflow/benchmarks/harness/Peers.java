package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the peers as child processes on 127.0.0.1 high ports, each with its files in its own
 * directory under the run's temp dir: NSD (the upstream and the ceiling), dnsdist (default and
 * tuned) and dnsflow (recording on and off, and on with Kubernetes names). They stay up for the whole run.
 */
final class Peers {
    private static final long START_TIMEOUT_MS = 20_000;
    /** Listing 10 000 pods from the mock API server, on a machine shared with other work. */
    private static final long SYNC_TIMEOUT_MS = 120_000;

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
        String config = String.join("\n", lua) + "\n";
        write(dir.resolve("dnsdist.conf"), config);
        ChildProcess p = ChildProcess.start(name, List.of(dnsdist.toString(), "--supervised", "--disable-syslog",
                "-C", dir.resolve("dnsdist.conf").toString()), Map.of(), dir, dir.resolve("dnsdist.out"));
        String shown = String.join("; ", lua).replace(listen, "127.0.0.1:PORT").replace(backend, "127.0.0.1:NSD_PORT");
        return up(new Setup(name, loopback(port), p, "dnsdist, no cache: `" + shown + "`"));
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

    private Setup startDnsflow(List<String> launcher, String name, InetSocketAddress upstream, Setup.Recording recording,
                               String javaOpts, MockCluster cluster) throws InterruptedException {
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
        if (cluster != null) {
            cmd.addAll(List.of("--kubernetes", "on", "--kubeconfig", cluster.kubeconfig().toString()));
            env.putAll(MockCluster.podEnv());
        }
        ChildProcess p = ChildProcess.start(name, cmd, env, dir, dir.resolve("dnsflow.out"));
        String args = String.join(" ", cmd.subList(first, cmd.size())).replace(root.toString(), "$TMP")
                .replace("127.0.0.1:" + port, "127.0.0.1:PORT").replace("127.0.0.1:" + upstream.getPort(), "127.0.0.1:NSD_PORT")
                .replace("127.0.0.1:" + admin, "127.0.0.1:ADMIN_PORT");
        String flags = launcher.size() > 1 ? "`" + String.join(" ", launcher.subList(0, first - 2)) + " -jar dnsflow.jar`, no launcher"
                : javaOpts.isBlank() ? "the launcher's JVM flags" : "DNSFLOW_JAVA_OPTS=`" + javaOpts + "`";
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
