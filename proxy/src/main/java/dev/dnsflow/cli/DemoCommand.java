package dev.dnsflow.cli;

import dev.dnsflow.demo.EmbeddedAuthority;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.flow.FlowText;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dnsflow demo}: the whole path on one machine with nothing installed. An embedded
 * authoritative server plays the upstream, dnsflow forwards to it, and a client replays the
 * "upstream success vs name error" scenario over UDP and TCP while each flow prints as one line.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run dnsflow against an embedded upstream and watch the flows, offline.",
            "",
            "Starts an authoritative server for example.com on loopback, dnsflow in front of it,",
            "and a client that asks example.com (exists) and unknown.example.com (NXDOMAIN)",
            "over UDP and TCP. Each finished flow prints as one line:",
            "  time  client → dnsflow (ID received) → upstream (ID sent, rtt)  question  answer  total",
            "The two IDs differ on purpose: dnsflow puts a fresh random ID on every upstream attempt."},
        footer = {"", "Examples:", "  dnsflow demo", "  dnsflow demo --duration 10s --flow-log -",
            "  dnsflow demo --admin 127.0.0.1:9553    (then: curl 127.0.0.1:9553/health)"})
public final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    static final List<String> NAMES = List.of(EmbeddedAuthority.ZONE, EmbeddedAuthority.NONEXISTENT);

    @Spec
    CommandSpec spec;

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
        try (EmbeddedAuthority upstream = EmbeddedAuthority.start(loopback, 0)) {
            ProxyConfig config = ProxyConfig.builder(new InetSocketAddress(loopback, 0), List.of(upstream.address()))
                    .flowLog(flowLog, 100L << 20, 3)
                    .admin("off".equalsIgnoreCase(admin) ? null : new Converters.Listen().convert(admin))
                    .flowBuffer(10_000).eventLoops(1).build();
            Tally tally = new Tally(out);
            try (DnsProxy proxy = DnsProxy.start(config)) {
                proxy.recorder().addSink(tally);
                out.printf("dnsflow demo: upstream (embedded, zone example.com) at %s, dnsflow at %s (%s)%n",
                        ProxyCommand.ProxyOptions.text(upstream.address()), ProxyCommand.ProxyOptions.text(proxy.address()),
                        proxy.transportName());
                out.printf("replaying \"upstream success vs name error\" over UDP and TCP every %s%s%n%n",
                        Values.text(interval), duration == null ? "; Ctrl-C to stop" : " for " + Values.text(duration));
                out.flush();
                replay(proxy.address());
                proxy.recorder().drain(2000);
            }
            tally.summary();
        }
        return 0;
    }

    private void replay(InetSocketAddress dnsflow) throws Exception {
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

        void summary() {
            out.printf("%n%d flows: %d answered NOERROR, %d NXDOMAIN, %d other%n", flows.get(), noerror.get(), nxdomain.get(),
                    flows.get() - noerror.get() - nxdomain.get());
            out.flush();
        }
    }
}
