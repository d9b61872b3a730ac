package dev.dnsflow.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Which Kubernetes API to talk to, found the way kubectl finds it, with one difference: an explicit
 * {@code --kubeconfig} wins even inside a pod (what you name beats what you are in). Otherwise the pod's
 * service account when {@code KUBERNETES_SERVICE_HOST} is set, else {@code $KUBECONFIG}, else
 * {@code ~/.kube/config}. {@code --context} picks a context of the file.
 */
public final class KubeConfigs {
    /** No configuration anywhere: the message names every place that was looked at. */
    public static final class NoConfig extends Exception {
        NoConfig(String message) {
            super(message);
        }
    }

    private KubeConfigs() {
    }

    /**
     * @param kubeconfig {@code --kubeconfig}, or null/blank
     * @param context    {@code --context}, or null/blank for the file's current context
     * @param env        the process environment (a map, so tests can give their own)
     * @throws NoConfig                 when there is nothing to read
     * @throws IllegalArgumentException naming the flag when the file or context given cannot be used
     */
    public static Config resolve(String kubeconfig, String context, Map<String, String> env) throws NoConfig {
        String ctx = blank(context) ? null : context;
        if (!blank(kubeconfig)) {
            File file = new File(kubeconfig);
            if (!file.isFile()) {
                throw new IllegalArgumentException("--kubeconfig: " + kubeconfig + " does not exist or is not a file");
            }
            return fromFile(file, ctx);
        }
        if (!blank(env.get("KUBERNETES_SERVICE_HOST")) && ctx == null) {
            return Config.autoConfigure(null); // the service account's token, CA and namespace
        }
        List<String> tried = new ArrayList<>();
        String fromEnv = env.get("KUBECONFIG");
        if (!blank(fromEnv)) {
            for (String part : fromEnv.split(File.pathSeparator)) {
                if (!part.isBlank() && new File(part).isFile()) {
                    return fromFile(new File(part), ctx);
                }
            }
            tried.add("$KUBECONFIG (" + fromEnv + ")");
        } else {
            tried.add("$KUBECONFIG (unset)");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        Path standard = Path.of(home == null ? "." : home, ".kube", "config");
        if (Files.isRegularFile(standard)) {
            return fromFile(standard.toFile(), ctx);
        }
        tried.add(standard.toString());
        throw new NoConfig("no kubeconfig: not in a pod, no --kubeconfig, " + String.join(", ", tried) + " not found");
    }

    private static Config fromFile(File file, String context) {
        try {
            Config config = Config.fromKubeconfig(context, file);
            if (context != null && (config.getCurrentContext() == null
                    || !context.equals(config.getCurrentContext().getName()))) {
                throw new IllegalArgumentException("--context: " + context + " is not a context of " + file);
            }
            return config;
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException i && i.getMessage() != null && i.getMessage().startsWith("--context")) {
                throw i;
            }
            throw new IllegalArgumentException("--kubeconfig: cannot read " + file + ": " + rootMessage(e), e);
        }
    }

    /** {@code client} with its request settings changed ({@code change} edits a copy); shares its connections. */
    static KubernetesClient adjusted(KubernetesClient client, UnaryOperator<RequestConfigBuilder> change) {
        RequestConfig config = change.apply(new RequestConfigBuilder(client.getConfiguration().getRequestConfig())).build();
        return client.newClient(config).adapt(KubernetesClient.class);
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
