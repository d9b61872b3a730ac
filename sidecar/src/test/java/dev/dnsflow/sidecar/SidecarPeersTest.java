package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.peers.Dig;
import dev.dnsflow.peers.Dig.DigResult;
import dev.dnsflow.peers.NsdServer;
import dev.dnsflow.peers.Peers;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.sidecar.join.Joiner;
import dev.dnsflow.util.Addresses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.Rcode;

/**
 * {@code dnsflow sidecar} with real software on both sides: NSD as the upstream, and in CoreDNS's place (no
 * CoreDNS package here) a real forwarder that sends its own dnstap to the sidecar's {@code --dnstap-listen
 * unix:PATH} and forwards to the sidecar: unbound ({@code dnstap:} section) and dnsdist
 * ({@code DnstapLogAction}/{@code DnstapLogResponseAction}). dig asks the forwarder; the flow dnsflow records
 * must come out joined with the forwarder's record of dig's query.
 *
 * <p>The sidecar is wired in-process exactly as {@link SidecarCommand} wires it: a {@link DnsProxy}, a
 * {@link Joiner} as the recorder's enricher, a {@link FrameStreamsReceiver} feeding {@link Joiner#offer}. The
 * receiver's frames are also kept, decoded, so the test can say what each producer really emitted.
 *
 * <p>What the producers emit (unbound 1.17, dnsdist 1.7, as seen here):
 * <ul>
 * <li>unbound with a {@code forward-zone}: CLIENT_QUERY and CLIENT_RESPONSE with dig's address, port and ID;
 *     FORWARDER_QUERY and FORWARDER_RESPONSE (not RESOLVER_*: those only for a stub-zone or full recursion)
 *     carrying unbound's <em>own</em> ID and outgoing port, query_address 0.0.0.0, query_zone ".". So no
 *     FORWARDER message carries the client's key (unlike CoreDNS's, which carry the pod's ID), and the join
 *     has only the question and the time. The CLIENT_RESPONSE has no query_time, only response_time.</li>
 * <li>dnsdist: only CLIENT_QUERY (DnstapLogAction) and CLIENT_RESPONSE (DnstapLogResponseAction), both with
 *     dig's address, port and ID and the query time; no FORWARDER_* at all. Frames arrive up to ~1 s late
 *     (fstrm's flush interval).</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SidecarPeersTest {
    /** The sidecar's default: dnsdist's dnstap arrives up to ~2 s late on a busy machine (fstrm flushes about every second). */
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final String LOCAL_NAME = "x.local.test.";
    private static final String LOCAL_A = "192.0.2.99";

    private NsdServer nsd;
    private final List<AutoCloseable> open = new ArrayList<>();
    private DnsProxy proxy;
    private FrameStreamsReceiver receiver;
    private final List<Dnstap> taps = new CopyOnWriteArrayList<>();
    private Path dir;

    @BeforeAll
    void startNsd() {
        Peers.require("dig");
        nsd = NsdServer.start();
    }

    @AfterAll
    void stopNsd() {
        if (nsd != null) {
            nsd.close();
        }
    }

    /** The sidecar, wired as SidecarCommand wires it, with its dnstap listener on a unix socket in {@code dir}. */
    private Path startSidecar() throws IOException {
        dir = Files.createTempDirectory("dnsflow-sidecar-peers-");
        Path socket = dir.resolve("dnstap.sock");
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(nsd.address()))
                .eventLoops(1).build());
        open.add(proxy);
        Joiner joiner = new Joiner(WINDOW, 10_000, proxy.metrics().registry());
        proxy.recorder().enricher(joiner);
        receiver = new FrameStreamsReceiver("unix:" + socket, frame -> {
            try {
                taps.add(Dnstap.parseFrom(frame));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            joiner.offer(frame);
        });
        open.add(receiver);
        return socket;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
        taps.clear();
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ---- the producers ---------------------------------------------------------------------------------

    /** A child process of this test, stopped by its own pid. */
    private record Child(Process process, Path log) implements AutoCloseable {
        String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "(cannot read " + log + ")";
            }
        }

        @Override
        public void close() {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The producer's config for a port; {@code command} runs it with the config file. */
    @FunctionalInterface
    private interface Config {
        String text(int port);
    }

    /** Starts a producer on a free port, as a child process with its config in {@code dir}, and waits until it answers DNS. */
    private InetSocketAddress launch(String name, Config config, String... command) throws IOException {
        int port = Peers.freePort();
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, config.text(port));
        Path log = dir.resolve(name + ".log");
        List<String> argv = new ArrayList<>(List.of(command));
        argv.add(conf.toString());
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Child child = new Child(p, log);
        open.add(child);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        awaitDns(address, p, child);
        return address;
    }

    /**
     * Like {@link Peers#waitForDns}, but any reply to any probe sent counts. Peers.waitForDns reads one reply per
     * probe and wants the current probe's ID: once one answer comes later than the 100 ms a probe waits (a cold
     * dnsflow behind dnsdist on a busy machine), every later read returns the previous probe's reply and the wait
     * never succeeds.
     */
    private static void awaitDns(InetSocketAddress server, Process process, Child child) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        java.util.Set<Integer> sent = new java.util.HashSet<>();
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
            socket.setSoTimeout(100);
            byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("peer at " + server + " exited with code " + process.exitValue()
                            + " before answering DNS; its log:\n" + child.output());
                }
                org.xbill.DNS.Message probe = dev.dnsflow.testing.Wire.query(".", org.xbill.DNS.Type.NS,
                        ThreadLocalRandom.current().nextInt(0x10000));
                probe.getHeader().unsetFlag(org.xbill.DNS.Flags.RD); // answered from the peer itself, no forwarding
                sent.add(probe.getHeader().getID());
                byte[] query = probe.toWire();
                socket.send(new java.net.DatagramPacket(query, query.length, server));
                java.net.DatagramPacket reply = new java.net.DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(reply);
                } catch (java.net.SocketTimeoutException | java.net.PortUnreachableException notYet) {
                    continue;
                }
                if (reply.getLength() >= 12 && (buffer[2] & 0x80) != 0 && sent.contains((buffer[0] & 0xff) << 8 | buffer[1] & 0xff)) {
                    return;
                }
            }
        }
        throw new IllegalStateException("peer at " + server + " did not answer DNS within 10s; its log:\n" + child.output());
    }

    /** unbound forwarding everything to the sidecar, answering {@code local.test.} itself, dnstap to {@code socket}. */
    private InetSocketAddress unbound(Path socket) throws Exception {
        Path unbound = Peers.require("unbound");
        InetSocketAddress address = launch("unbound", port -> String.join("\n",
                "server:",
                "  interface: 127.0.0.1@" + port,
                "  port: " + port,
                "  do-daemonize: no",
                "  username: \"\"",
                "  chroot: \"\"",
                "  directory: \"" + dir + "\"",
                "  pidfile: \"" + dir.resolve("unbound.pid") + "\"",
                "  use-syslog: no",
                "  logfile: \"\"",
                "  verbosity: 1",
                "  num-threads: 1",
                "  do-not-query-localhost: no",
                "  module-config: \"iterator\"",
                "  access-control: 127.0.0.0/8 allow",
                "  local-zone: \"local.test.\" static",
                "  local-data: \"" + LOCAL_NAME + " A " + LOCAL_A + "\"",
                "remote-control:",
                "  control-enable: no",
                "forward-zone:",
                "  name: \".\"",
                "  forward-addr: 127.0.0.1@" + proxy.address().getPort(),
                "dnstap:",
                "  dnstap-enable: yes",
                "  dnstap-socket-path: \"" + socket + "\"",
                "  dnstap-send-identity: yes",
                "  dnstap-send-version: yes",
                "  dnstap-log-client-query-messages: yes",
                "  dnstap-log-client-response-messages: yes",
                "  dnstap-log-forwarder-query-messages: yes",
                "  dnstap-log-forwarder-response-messages: yes",
                "  dnstap-log-resolver-query-messages: yes",
                "  dnstap-log-resolver-response-messages: yes",
                ""), unbound.toString(), "-d", "-c");
        awaitProducer();
        return address;
    }

    /** dnsdist forwarding everything to the sidecar, logging client queries and responses to {@code socket}. */
    private InetSocketAddress dnsdist(Path socket) throws Exception {
        Path dnsdist = Peers.require("dnsdist");
        InetSocketAddress address = launch("dnsdist", port -> String.join("\n",
                "setSecurityPollSuffix(\"\")",
                "setLocal(\"127.0.0.1:" + port + "\")",
                "newServer({address=\"127.0.0.1:" + proxy.address().getPort() + "\", healthCheckMode=\"up\"})",
                "fsl = newFrameStreamUnixLogger(\"" + socket + "\")",
                "addAction(AllRule(), DnstapLogAction(\"dnsdist-test\", fsl))",
                "addResponseAction(AllRule(), DnstapLogResponseAction(\"dnsdist-test\", fsl))",
                ""), dnsdist.toString(), "--supervised", "--disable-syslog", "-C");
        awaitProducer();
        return address;
    }

    /** The producer completed the Frame Streams handshake: Peers.waitForDns's probes came through as dnstap. */
    private void awaitProducer() throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (receiver.received() == 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(receiver.received()).as("dnstap frames from the producer (its handshake with the sidecar)").isPositive();
    }

    // ---- what was seen -----------------------------------------------------------------------------------

    /** One dnstap message about {@code name}, reduced to what the assertions need. */
    private record Tap(String type, int id, String address, int port, boolean hasQueryTime) {
    }

    private List<Tap> tapsAbout(String name) {
        List<Tap> out = new ArrayList<>();
        for (Dnstap d : taps) {
            dev.dnsflow.dnstap.proto.Message m = d.getMessage();
            byte[] wire = (m.hasResponseMessage() ? m.getResponseMessage() : m.getQueryMessage()).toByteArray();
            org.xbill.DNS.Message dns = dev.dnsflow.testing.Wire.parse(wire);
            if (dns.getQuestion() != null && dns.getQuestion().getName().toString().equalsIgnoreCase(name)) {
                out.add(new Tap(m.getType().name(), dns.getHeader().getID(),
                        m.hasQueryAddress() ? Addresses.text(m.getQueryAddress().toByteArray()) : "", m.getQueryPort(), m.hasQueryTimeSec()));
            }
        }
        return out;
    }

    private Tap tap(String name, String type) {
        return tapsAbout(name).stream().filter(t -> t.type().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " about " + name + " among " + tapsAbout(name)));
    }

    private List<Flow> flowsFor(String name) {
        proxy.recorder().drain(1000);
        return proxy.ring().newest(100, f -> name.equalsIgnoreCase(f.query().name()));
    }

    private Flow await(String name, Predicate<Flow> which) throws InterruptedException {
        long until = System.nanoTime() + WINDOW.toNanos() * 3 + 3_000_000_000L;
        while (System.nanoTime() < until) {
            List<Flow> found = flowsFor(name).stream().filter(which).toList();
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such flow for " + name + "; flows: " + flowsFor(name) + "; dnstap: " + tapsAbout(name));
    }

    /**
     * Every flow about an answered {@code name} once the join can add no other: a pod query answered without a
     * matching flow is reported within 500 ms of its CLIENT_RESPONSE (the join's grace).
     */
    private List<Flow> allFlowsFor(String name) throws InterruptedException {
        Thread.sleep(1000);
        return flowsFor(name);
    }

    private static String unique(String prefix) {
        return prefix + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + ".w.example.com.";
    }

    // ---- the tests ----------------------------------------------------------------------------------------

    @Test
    void aQueryThroughUnboundIsOneFlowHoldingDigsIdAndUnboundsId() throws Exception {
        InetSocketAddress unbound = unbound(startSidecar());
        String name = unique("u");

        DigResult dig = Dig.dig(unbound, name, "A");

        assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
        assertThat(dig.answers()).containsExactly(NsdServer.WILDCARD_A);
        Flow f = await(name, x -> x.get(CorednsSide.KEY) != null);
        Tap clientQuery = tap(name, "CLIENT_QUERY");
        // unbound retransmits when an answer is slow (a busy CI machine): each of its queries is a flow of its own
        List<Tap> forwarded = tapsAbout(name).stream().filter(t -> t.type().equals("FORWARDER_QUERY")).toList();
        Tap forwarderQuery = forwarded.stream().filter(t -> t.id() == f.query().id()).findFirst()
                .orElseThrow(() -> new AssertionError("the flow's query ID " + f.query().id() + " is none of unbound's "
                        + "FORWARDER_QUERY IDs: " + forwarded));
        assertThat(clientQuery.id()).as("unbound's CLIENT_QUERY carries dig's ID").isEqualTo(dig.id());
        assertThat(forwarderQuery.id()).as("unbound's FORWARDER_QUERY carries unbound's own ID").isNotEqualTo(dig.id());
        assertThat(tapsAbout(name)).extracting(Tap::type).filteredOn(t -> !t.startsWith("FORWARDER"))
                .containsExactlyInAnyOrder("CLIENT_QUERY", "CLIENT_RESPONSE");

        assertThat(f.origin().id()).as("dig's ID").isEqualTo(dig.id());
        assertThat(f.query().id()).as("the ID unbound used towards the sidecar").isEqualTo(forwarderQuery.id());
        assertThat(f.client().port()).as("unbound's outgoing port").isEqualTo(forwarderQuery.port());
        assertThat(f.attempts()).singleElement().satisfies(a -> assertThat(a.upstream()).endsWith(":" + nsd.port()));
        assertThat(f.origin().source()).isEqualTo("dnstap");
        assertThat(f.origin().ip()).isEqualTo("127.0.0.1");
        assertThat(f.origin().port()).as("dig's port").isEqualTo(clientQuery.port());
        assertThat(f.get(CorednsSide.KEY).forwarded()).isTrue();
        assertThat(f.get(CorednsSide.KEY).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(f.get(CorednsSide.KEY).respondedEpochNanos()).isGreaterThan(f.get(CorednsSide.KEY).receivedEpochNanos());
        assertThat(f.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(f.response().addresses()).containsExactly(NsdServer.WILDCARD_A);

        assertThat(allFlowsFor(name)).as("one flow per query unbound forwarded: %s", forwarded).hasSize(forwarded.size())
                .extracting(Flow::id).contains(f.id());
    }

    @Test
    void aNameUnboundAnswersItselfIsAFlowAnsweredAtCoredns() throws Exception {
        InetSocketAddress unbound = unbound(startSidecar());

        DigResult dig = Dig.dig(unbound, LOCAL_NAME, "A");

        assertThat(dig.answers()).containsExactly(LOCAL_A);
        Flow f = await(LOCAL_NAME, x -> x.outcome() == Outcome.ANSWERED_AT_COREDNS);
        assertThat(tapsAbout(LOCAL_NAME)).extracting(Tap::type).containsExactlyInAnyOrder("CLIENT_QUERY", "CLIENT_RESPONSE");
        assertThat(f.origin().id()).isEqualTo(dig.id());
        assertThat(f.query().id()).isEqualTo(dig.id());
        assertThat(f.get(CorednsSide.KEY).forwarded()).isFalse();
        assertThat(f.attempts()).isEmpty();
        assertThat(f.response().addresses()).containsExactly(LOCAL_A);
        assertThat(allFlowsFor(LOCAL_NAME)).singleElement().extracting(Flow::id).isEqualTo(f.id());
    }

    @Test
    void queriesThroughDnsdistAreJoinedWithDnsdistsClientQueryAndResponse() throws Exception {
        InetSocketAddress dnsdist = dnsdist(startSidecar());
        String name = unique("d");
        String missing = "nx" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + ".example.com.";

        DigResult dig = Dig.dig(dnsdist, name, "A");
        DigResult nx = Dig.dig(dnsdist, missing, "A");

        assertThat(dig.answers()).as(dig.raw()).containsExactly(NsdServer.WILDCARD_A);
        assertThat(nx.status()).isEqualTo("NXDOMAIN");
        Flow f = await(name, x -> x.get(CorednsSide.KEY) != null);
        Flow n = await(missing, x -> x.get(CorednsSide.KEY) != null);
        assertThat(tapsAbout(name)).extracting(Tap::type).containsExactlyInAnyOrder("CLIENT_QUERY", "CLIENT_RESPONSE");
        assertThat(tapsAbout(name)).extracting(Tap::id).containsOnly(dig.id());
        assertThat(tapsAbout(name)).allSatisfy(t -> assertThat(t.hasQueryTime()).isTrue());

        assertThat(f.origin().id()).as("dig's ID").isEqualTo(dig.id());
        assertThat(f.origin().port()).as("dig's port").isEqualTo(tap(name, "CLIENT_QUERY").port());
        assertThat(f.get(CorednsSide.KEY).forwarded()).isTrue();
        assertThat(f.get(CorednsSide.KEY).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(f.outcome()).isEqualTo(Outcome.ANSWERED);
        assertThat(n.origin().id()).isEqualTo(nx.id());
        assertThat(n.get(CorednsSide.KEY).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(n.response().rcode()).isEqualTo(Rcode.NXDOMAIN);

        assertThat(allFlowsFor(name)).as("one query, one flow").singleElement().extracting(Flow::id).isEqualTo(f.id());
        assertThat(flowsFor(missing)).singleElement().extracting(Flow::id).isEqualTo(n.id());
    }
}
