package dev.dnsflow.sidecar;

import dev.dnsflow.cli.AppPlugins;
import dev.dnsflow.cli.Converters;
import dev.dnsflow.cli.PluginFlags;
import dev.dnsflow.cli.ProxyCommand;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.server.DnsProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dnsflow sidecar}: the proxy plus CoreDNS's own dnstap, joined, so a flow says where a query died. */
@Command(name = "sidecar", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = PluginFlags.class,
        description = {
            "The proxy plus CoreDNS's own dnstap, joined: run it in the CoreDNS pod.",
            "",
            "Everything 'dnsflow proxy' does, plus a dnstap receiver for CoreDNS's own dnstap. Each flow is joined with CoreDNS's record of the pod's query: "
                + "the pod and its own message ID, when CoreDNS received and answered it, and whether it forwarded "
                + "at all. Pod queries CoreDNS answered itself, or never answered, become flows of their own.",
            "",
            "Corefile:  dnstap tcp://127.0.0.1:6000 full   and   forward . 127.0.0.1:5353",
            ""},
        footer = {"", "Example:",
            "  dnsflow sidecar --upstream 10.0.0.2 --dnstap-listen tcp:127.0.0.1:6000 --flow-log -"})
public final class SidecarCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ProxyCommand.ProxyOptions options;

    @Option(names = "--dnstap-listen", paramLabel = "unix:PATH|tcp:HOST:PORT", required = true,
            description = "Where CoreDNS's dnstap plugin sends its stream (Frame Streams, bidirectional).")
    String dnstapListen;

    @Option(names = "--dnstap-max-connections", paramLabel = "N",
            description = "dnstap producers connected at once (default: " + FrameStreamsReceiver.DEFAULT_MAX_CONNECTIONS
                    + "; CoreDNS opens one per dnstap plugin instance). One more is closed at once; one that does not "
                    + "complete the Frame Streams handshake within " + FrameStreamsReceiver.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS
                    + "s is closed too; both counted in dnsflow_dnstap_in_connections_rejected_total.")
    int dnstapMaxConnections = FrameStreamsReceiver.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--join-window", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "How long a flow waits for CoreDNS's side, and a pod query for dnsflow's (default: 3s).")
    Duration joinWindow = Duration.ofSeconds(3);

    @Option(names = "--join-max", paramLabel = "N",
            description = "Flows and pod queries the join holds at most (default: 100000). Beyond it, flows pass on "
                    + "unjoined and pod queries are forgotten; both are counted in dnsflow_join_overflow_total.")
    int joinMax = 100_000;

    @Override
    public Integer call() throws InterruptedException {
        DnstapJoinPlugin join = new DnstapJoinPlugin(dnstapListen, new FrameStreamsReceiver.Limits(dnstapMaxConnections,
                FrameStreamsReceiver.DEFAULT_HANDSHAKE_TIMEOUT), joinWindow, joinMax);
        try (DnsProxy proxy = DnsProxy.start(options.toConfig(spec), ProxyMetrics.prometheus(),
                Stream.concat(Stream.of(join), AppPlugins.serving(spec.commandLine().getErr()).stream()).toList())) {
            ProxyCommand.serveUntilStopped(proxy, spec.commandLine().getErr(),
                    ProxyCommand.banner(proxy).replace("dnsflow proxy", "dnsflow sidecar")
                            + "\n  CoreDNS dnstap: " + dnstapListen + " (join window " + joinWindow.toMillis() + "ms)",
                    options.shutdownGrace());
        }
        return 0;
    }
}
