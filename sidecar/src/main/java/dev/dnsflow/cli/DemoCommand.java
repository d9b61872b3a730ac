package dev.dnsflow.cli;

import dev.dnsflow.demo.EmbeddedAuthority;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.flow.FlowText;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dnsflow demo}: the whole path on one machine with nothing installed. An embedded
 * authoritative server plays the upstream, dnsflow forwards to it, and a client replays a scenario
 * while each flow prints as one line: {@code success} ("upstream success vs name error" over UDP and
 * TCP) or {@code drop} (a chaos rule drops example.com and the client retries like CoreDNS's forward).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run dnsflow against an embedded upstream and watch the flows, offline.",
            "",
            "Starts an authoritative server for example.com on loopback, dnsflow in front of it,",
            "and a client that asks example.com (exists) and unknown.example.com (NXDOMAIN)",
            "over UDP and TCP. Each finished flow prints as one line:",
            "  time  client → dnsflow (ID received) → upstream (ID sent, rtt)  question  answer  total",
            "The two IDs differ on purpose: dnsflow puts a fresh random ID on every upstream attempt.",
            "",
            "--scenario drop: a chaos rule drops example.com and the client retries like",
            "CoreDNS's forward (a new ID each time, 3 attempts at most); every attempt ends",
            "at dnsflow as chaos_drop while www and unknown.example.com are answered."},
        footer = {"", "Examples:", "  dnsflow demo", "  dnsflow demo --duration 10s --flow-log -",
            "  dnsflow demo --scenario drop --duration 5s",
            "  dnsflow demo --admin 127.0.0.1:9553    (then: curl 127.0.0.1:9553/health)"})
public final class DemoCommand implements Callable<Integer> {
    static final List<String> NAMES = List.of(EmbeddedAuthority.ZONE, EmbeddedAuthority.NONEXISTENT);
    /** The drop scenario's rule, in the {@code --chaos-rule} form. */
    static final String DROP_RULE_NAME = "drop-example";
    static final String DROP_RULE = "drop name=example.com type=A rule=" + DROP_RULE_NAME;
    /** The drop scenario asks these in order: the dropped name first, then two that are answered. */
    static final List<String> DROP_NAMES = List.of(EmbeddedAuthority.ZONE, EmbeddedAuthority.WWW, EmbeddedAuthority.NONEXISTENT);
    /** CoreDNS's forward sends a query at most 3 times, each attempt with a fresh random ID. */
    static final int ATTEMPTS = 3;
    /** How long the client waits for each attempt; CoreDNS waits 2 s, shortened so the demo moves along. */
    static final Duration ATTEMPT_WAIT = Duration.ofMillis(500);
    static final Duration COREDNS_READ_TIMEOUT = Duration.ofSeconds(2);

    /** What the client replays. */
    enum Scenario {
        SUCCESS("success"), DROP("drop");

        final String text;

        Scenario(String text) {
            this.text = text;
        }

        static Scenario parse(String value) {
            for (Scenario s : values()) {
                if (s.text.equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw new TypeConversionException("'" + value + "': give success or drop");
        }
    }

    /** picocli adapter: {@code success} or {@code drop}, any case. */
    static final class ScenarioName implements ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String value) {
            return Scenario.parse(value);
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "success|drop", converter = ScenarioName.class,
            description = "success (default): example.com and unknown.example.com over UDP and TCP; "
                    + "drop: a chaos rule drops example.com, the client retries like CoreDNS.")
    Scenario scenario = Scenario.SUCCESS;

    @Option(names = "--duration", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Stop after this long (default: run until Ctrl-C).")
    Duration duration;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Pause between rounds of queries (default: 1s).")
    Duration interval = Duration.ofSeconds(1);

    @Option(names = "--flow-log", paramLabel = "PATH|-",
            description = "Also write every flow as a JSON line (- for stdout).")
    String flowLog;

    @Option(names = "--admin", paramLabel = "HOST:PORT|off", defaultValue = "off",
            description = "Admin HTTP server (default: off, so the demo never clashes with a running proxy).")
    String admin;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        boolean drop = scenario == Scenario.DROP;
        if (drop) {
            out.println("a chaos rule drops example.com: watch each retransmission end at dnsflow as chaos_drop, "
                    + "never reaching the upstream, while other names resolve");
        }
        try (EmbeddedAuthority upstream = EmbeddedAuthority.start(loopback, 0)) {
            ProxyConfig config = ProxyConfig.builder(new InetSocketAddress(loopback, 0), List.of(upstream.address()))
                    .flowLog(flowLog, 100L << 20, 3)
                    .admin("off".equalsIgnoreCase(admin) ? null : new Converters.Listen().convert(admin))
                    .chaos(null, drop ? List.of(DROP_RULE) : List.of())
                    .flowBuffer(10_000).eventLoops(1).build();
            Tally tally = new Tally(out);
            try (DnsProxy proxy = DnsProxy.start(config)) {
                proxy.recorder().addSink(tally);
                out.printf("dnsflow demo: upstream (embedded, zone example.com) at %s, dnsflow at %s (%s)%n",
                        ProxyCommand.ProxyOptions.text(upstream.address()), ProxyCommand.ProxyOptions.text(proxy.address()),
                        proxy.transportName());
                String every = Values.text(interval) + (duration == null ? "; Ctrl-C to stop" : " for " + Values.text(duration));
                if (drop) {
                    out.printf("chaos rule %s: %s%n", DROP_RULE_NAME, DROP_RULE.substring(0, DROP_RULE.indexOf(" rule=")));
                    out.printf("the client retries like CoreDNS's forward: it waits %s for an answer (CoreDNS waits %s; "
                            + "shortened for the demo), then resends with a new ID, %d attempts at most%n",
                            Values.text(ATTEMPT_WAIT), Values.text(COREDNS_READ_TIMEOUT), ATTEMPTS);
                    out.printf("replaying \"dropped name vs names that resolve\" (%s) over UDP every %s%n%n",
                            String.join(", ", DROP_NAMES.stream().map(n -> n.substring(0, n.length() - 1)).toList()), every);
                } else {
                    out.printf("replaying \"upstream success vs name error\" over UDP and TCP every %s%n%n", every);
                }
                out.flush();
                replay(proxy.address());
                proxy.recorder().drain(2000);
            }
            tally.summary(drop);
            if (drop) {
                tally.dropSummary(upstream.queries());
            }
        }
        return 0;
    }

    private void replay(InetSocketAddress dnsflow) throws Exception {
        if (scenario == Scenario.DROP) {
            replayDrop(dnsflow);
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "dnsflow-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        SimpleResolver udp = resolver(dnsflow, false);
        SimpleResolver tcp = resolver(dnsflow, true);
        while (true) {
            for (SimpleResolver client : List.of(udp, tcp)) {
                for (String name : NAMES) {
                    client.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
                }
            }
            long left = end - System.nanoTime();
            if (left <= interval.toNanos() || stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                break; // no room for another round, or Ctrl-C
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the JVM is already on its way out
        }
    }

    /**
     * The drop scenario: the dropped name asked the way CoreDNS's forward asks its upstream (dnsflow),
     * then the other names once each (they are answered at the first attempt anyway).
     */
    private void replayDrop(InetSocketAddress dnsflow) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "dnsflow-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        SimpleResolver udp = resolver(dnsflow, false);
        while (true) {
            askLikeCoreDns(dnsflow, DROP_NAMES.get(0));
            for (String name : DROP_NAMES.subList(1, DROP_NAMES.size())) {
                udp.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
            }
            long left = end - System.nanoTime();
            if (left <= interval.toNanos() || stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                break;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the JVM is already on its way out
        }
    }

    /**
     * Sends {@code name} A over UDP, waits {@link #ATTEMPT_WAIT} for a reply with the ID just sent
     * (others are ignored, as CoreDNS does), and resends with a new random ID, {@link #ATTEMPTS} times
     * at most. Returns the answer's rcode, or -1 when every attempt went unanswered.
     */
    static int askLikeCoreDns(InetSocketAddress server, String name) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] buffer = new byte[65535];
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                int id = ThreadLocalRandom.current().nextInt(0x10000);
                Message query = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
                query.getHeader().setID(id);
                byte[] wire = query.toWire();
                socket.send(new DatagramPacket(wire, wire.length, server));
                long until = System.nanoTime() + ATTEMPT_WAIT.toNanos();
                while (true) {
                    long leftMillis = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
                    if (leftMillis <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) leftMillis);
                    DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException timeout) {
                        break;
                    }
                    if (reply.getLength() >= 12 && (((buffer[0] & 0xff) << 8) | (buffer[1] & 0xff)) == id
                            && (buffer[2] & 0x80) != 0) {
                        return buffer[3] & 0x0f;
                    }
                }
            }
        }
        return -1;
    }

    private static SimpleResolver resolver(InetSocketAddress server, boolean tcp) {
        SimpleResolver r = new SimpleResolver(server);
        r.setTCP(tcp);
        r.setTimeout(Duration.ofSeconds(3));
        return r;
    }

    /** Prints each flow as it finishes and counts outcomes for the closing summary. */
    private static final class Tally implements FlowSink {
        private final PrintWriter out;
        private final AtomicLong flows = new AtomicLong();
        private final AtomicLong noerror = new AtomicLong();
        private final AtomicLong nxdomain = new AtomicLong();
        private final AtomicLong chaosDrop = new AtomicLong();
        private final AtomicLong droppedAfterUpstream = new AtomicLong();
        private final AtomicLong otherAttempts = new AtomicLong();

        Tally(PrintWriter out) {
            this.out = out;
        }

        @Override
        public String name() {
            return "demo";
        }

        @Override
        public void accept(Flow flow) {
            flows.incrementAndGet();
            if (flow.outcome() == Outcome.CHAOS_DROP) {
                chaosDrop.incrementAndGet();
                droppedAfterUpstream.addAndGet(flow.attempts().size());
            } else {
                otherAttempts.addAndGet(flow.attempts().size());
            }
            if (flow.outcome() == Outcome.ANSWERED && flow.response().rcode() == Rcode.NOERROR) {
                noerror.incrementAndGet();
            } else if (flow.response() != null && flow.response().rcode() == Rcode.NXDOMAIN) {
                nxdomain.incrementAndGet();
            }
            out.println(FlowText.compact(flow));
        }

        @Override
        public void idle() {
            out.flush();
        }

        /** @param chaos whether a chaos rule was running (then chaos_drop flows get their own count) */
        void summary(boolean chaos) {
            if (!chaos) {
                out.printf("%n%d flows: %d answered NOERROR, %d NXDOMAIN, %d other%n", flows.get(), noerror.get(),
                        nxdomain.get(), flows.get() - noerror.get() - nxdomain.get());
            } else {
                out.printf("%n%d flows: %d answered NOERROR, %d NXDOMAIN, %d chaos_drop, %d other%n", flows.get(),
                        noerror.get(), nxdomain.get(), chaosDrop.get(),
                        flows.get() - noerror.get() - nxdomain.get() - chaosDrop.get());
            }
            out.flush();
        }

        /** What the drop scenario showed, in numbers: the drops never reached the upstream. */
        void dropSummary(long upstreamQueries) {
            long reached = droppedAfterUpstream.get();
            out.printf("%d chaos_drop flows (rule %s), %s reached the upstream; the upstream received %d queries%s%n",
                    chaosDrop.get(), DROP_RULE_NAME, reached == 0 ? "none of them" : reached + " of them", upstreamQueries,
                    reached == 0 && upstreamQueries == otherAttempts.get() ? ", all for the other names" : "");
            out.printf("a client that gets no answer after %d attempts gives up: CoreDNS would answer its own client "
                    + "SERVFAIL%n", ATTEMPTS);
            out.flush();
        }
    }
}
