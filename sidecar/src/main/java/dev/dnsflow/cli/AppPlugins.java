package dev.dnsflow.cli;

import dev.dnsflow.k8s.KubernetesPlugin;
import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.Plugins;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the application adds to the engine's declared plugins ({@link Plugins}) on every serving command:
 * Kubernetes names ({@link KubernetesPlugin}), which the engine cannot know of (it imports no fabric8).
 * Their flags are offered next to the engine's ({@link PluginFlags}).
 */
public final class AppPlugins {
    private AppPlugins() {
    }

    /** The plugins, reading the process environment (downward API, kubeconfig) and writing notices to {@code err}. */
    public static List<Plugin> serving(PrintWriter err) {
        return List.of(new KubernetesPlugin(System.getenv(), notice -> {
            err.println("dnsflow: " + notice);
            err.flush();
        }));
    }

    /** Every plugin flag a serving command offers: the engine's, then the application's. */
    static List<Flag<?>> flags() {
        return Stream.concat(Plugins.flags().stream(), KubernetesPlugin.FLAGS.stream()).toList();
    }
}
