package dev.dnsflow.cli;

import dev.dnsflow.k8s.KubernetesPlugin;
import dev.dnsflow.otel.OtlpPlugin;
import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.Plugins;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the application adds to the engine's declared plugins ({@link Plugins}) on every serving command:
 * Kubernetes names ({@link KubernetesPlugin}) and traces over OTLP ({@link OtlpPlugin}), which the engine cannot
 * know of (it imports no fabric8 and no OpenTelemetry).
 * Their flags are offered next to the engine's ({@link PluginFlags}).
 */
public final class AppPlugins {
    private AppPlugins() {
    }

    /**
     * The plugins, reading the process environment (downward API, kubeconfig, OTEL_*) and writing notices to
     * {@code err}.
     */
    public static List<Plugin> serving(PrintWriter err) {
        java.util.function.Consumer<String> notice = line -> {
            err.println("dnsflow: " + line);
            err.flush();
        };
        return List.of(new KubernetesPlugin(System.getenv(), notice), new OtlpPlugin(System.getenv(), notice));
    }

    /** Every plugin flag a serving command offers: the engine's, then the application's. */
    static List<Flag<?>> flags() {
        return Stream.of(Plugins.flags(), KubernetesPlugin.FLAGS, OtlpPlugin.FLAGS).flatMap(List::stream).toList();
    }
}
