package dev.dnsflow.k8s;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code k8s}: every flow names the pods, Services and nodes behind its addresses. Informers keep a
 * {@link ClusterIndex} current ({@link ClusterWatch}); a {@link NamesEnricher} on the recorder's thread
 * looks each address up, so the API being slow or down never touches a DNS answer.
 *
 * <p>{@code --kubernetes auto} (the default) uses the API when a configuration is found and says in one
 * line when names are off or not coming; {@code on} refuses to start unless every watched resource can
 * be listed, naming the cause; {@code off} never talks to the API.
 */
public final class KubernetesPlugin implements Plugin {
    /** {@code --kubernetes}. */
    public enum Mode { AUTO, ON, OFF }

    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    public static final Flag<Mode> KUBERNETES = Flag.of("--kubernetes", "auto|on|off",
            "Name the pods, Services and nodes behind every address of a flow, from the Kubernetes API: auto (default) "
                    + "when a configuration is found, saying so when it is not; on: refuse to start without a working API; "
                    + "off: never ask.", "auto", KubernetesPlugin::mode);
    public static final Flag<String> KUBECONFIG = Flag.of("--kubeconfig", "PATH",
            "The kubeconfig to use (default, as kubectl: $KUBECONFIG, else ~/.kube/config, else the pod's service account).",
            "", text -> text);
    public static final Flag<String> CONTEXT = Flag.of("--context", "NAME",
            "The kubeconfig context to use (default: its current context).", "", text -> text);
    public static final Flag<Integer> NAMESPACE_LABEL = Flag.optionalValue("--metrics-namespace-label", "CAP",
            "Also count queries and answers by the namespace of the pod that asked (dnsflow_queries_by_namespace_total, "
                    + "dnsflow_responses_by_namespace_total): the first CAP namespaces (default 100, at most 10000) get a "
                    + "series, later ones count as namespace=\"_other\".", "0", "100", KubernetesPlugin::cap);

    /** Every flag of this plugin, for front ends that list flags before any plugin is built. */
    public static final List<Flag<?>> FLAGS = List.of(KUBERNETES, KUBECONFIG, CONTEXT, NAMESPACE_LABEL);

    private final Map<String, String> env;
    private final Consumer<String> notice;
    private volatile CompletableFuture<String> check;

    /**
     * @param env    the process environment: the downward API's POD_NAME, POD_NAMESPACE, NODE_NAME, POD_IP, and
     *               KUBERNETES_SERVICE_HOST, KUBECONFIG, HOME
     * @param notice where one-line notices go (stderr)
     */
    public KubernetesPlugin(Map<String, String> env, Consumer<String> notice) {
        this.env = Map.copyOf(env);
        this.notice = notice;
    }

    @Override
    public String name() {
        return "k8s";
    }

    @Override
    public List<Flag<?>> flags() {
        return FLAGS;
    }

    @Override
    public void setup(Plan plan) {
        Flags flags = plan.flags();
        Mode mode = flags.get(KUBERNETES);
        if (mode == Mode.OFF) {
            return;
        }
        String file = flags.get(KUBECONFIG);
        String context = flags.get(CONTEXT);
        KubeConfigs.Resolved config;
        try {
            config = KubeConfigs.resolve(file.isBlank() ? null : Path.of(file), context.isBlank() ? null : context, env,
                    Path.of(env.getOrDefault("HOME", System.getProperty("user.home"))));
        } catch (KubeConfigs.NotFound e) {
            if (mode == Mode.ON || !file.isBlank() || !context.isBlank()) { // what was asked for by name must work
                throw new IllegalStateException("--kubernetes " + mode.name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
            }
            notice.accept("Kubernetes names off: " + e.getMessage() + " (--kubernetes off hides this line)");
            return;
        }
        KubernetesClient client;
        try {
            client = KubeConfigs.client(config);
        } catch (RuntimeException e) { // a certificate or key the kubeconfig names cannot be read
            String why = "cannot use " + config.source() + ": " + ApiAccess.rootMessage(e);
            if (mode == Mode.ON || !file.isBlank() || !context.isBlank()) {
                throw new IllegalStateException("--kubernetes " + mode.name().toLowerCase(Locale.ROOT) + ": " + why);
            }
            notice.accept("Kubernetes names off: " + why);
            return;
        }
        plan.closeWhenStopped(client);
        if (mode == Mode.ON) {
            String problem = ApiAccess.problem(client, CHECK_TIMEOUT);
            if (problem != null) {
                throw new IllegalStateException("--kubernetes on: " + problem);
            }
        }
        ClusterIndex index = new ClusterIndex();
        ClusterWatch watch = ClusterWatch.start(client, index, plan.metrics().registry());
        plan.closeWhenStopped(watch);
        if (mode == Mode.AUTO) {
            check = checkInBackground(client);
            plan.closeWhenStopped(() -> check.cancel(false)); // closed before the client: no notice about a client we closed
        }
        plan.enricher(KubernetesNames.enricher(index, env, plan.metrics().registry()));
        int cap = flags.get(NAMESPACE_LABEL);
        if (cap > 0) {
            plan.sink(new NamespaceMetrics(plan.metrics().registry(), cap));
        }
    }

    /**
     * {@code auto}: DNS is served at once; if the API turns out not to work, one line says why (the informers keep
     * retrying). Completes with the problem, or null when there is none.
     */
    private CompletableFuture<String> checkInBackground(KubernetesClient client) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            String problem = ApiAccess.problem(client, CHECK_TIMEOUT);
            if (problem != null && !result.isCancelled()) {
                notice.accept("Kubernetes names unavailable, serving DNS without them and retrying: " + problem);
            }
            result.complete(problem);
        }, "dnsflow-k8s-check");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /** {@code auto}'s background check of the API, for tests: done once its notice (if any) is out. Null before setup. */
    CompletableFuture<String> check() {
        return check;
    }

    static Mode mode(String text) {
        try {
            return Mode.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': give auto, on or off");
        }
    }

    static int cap(String text) {
        int cap;
        try {
            cap = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number (1 to 10000, 0 for off)");
        }
        if (cap < 0 || cap > 10_000) {
            throw new IllegalArgumentException("'" + text + "' is out of range: 1 to 10000 (0 for off)");
        }
        return cap;
    }
}
