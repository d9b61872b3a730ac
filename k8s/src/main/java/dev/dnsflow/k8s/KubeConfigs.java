package dev.dnsflow.k8s;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a dnsflow command finds its cluster, resolved the way kubectl does: an explicit kubeconfig file,
 * else {@code $KUBECONFIG}, else {@code ~/.kube/config}, else the pod's service account when running in
 * a cluster ({@code KUBERNETES_SERVICE_HOST} set). A context may be named; otherwise the kubeconfig's
 * current one. Shared by every command that talks to the API server ({@code observe}/{@code diagnose
 * --kubernetes}, the proxy's {@code --kubernetes}).
 */
public final class KubeConfigs {
    private KubeConfigs() {
    }

    /** Where the configuration came from, in words for error messages. */
    public record Resolved(Config config, String source) {
    }

    /** Cannot find or read a configuration: the message says what was tried. */
    public static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Resolves from the process's environment and home directory.
     *
     * @param kubeconfig an explicit file ({@code --kubeconfig}), or null
     * @param context a context of the kubeconfig ({@code --context}), or null for its current context
     */
    public static Resolved resolve(Path kubeconfig, String context) {
        return resolve(kubeconfig, context, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Resolved resolve(Path kubeconfig, String context, Map<String, String> env, Path home) {
        if (kubeconfig != null) {
            return fromFile(kubeconfig, context, "--kubeconfig " + kubeconfig);
        }
        String fromEnv = env.get("KUBECONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            String[] files = fromEnv.split(File.pathSeparator);
            if (files.length == 1) {
                return fromFile(Path.of(files[0]), context, "$KUBECONFIG (" + fromEnv + ")");
            }
            // a list: fabric8 reads (and merges) it from the process environment itself, as kubectl does
            return checked(Config.autoConfigure(context), context, "$KUBECONFIG (" + fromEnv + ")");
        }
        Path homeConfig = home.resolve(".kube").resolve("config");
        if (Files.isRegularFile(homeConfig)) {
            return fromFile(homeConfig, context, homeConfig.toString());
        }
        String host = env.get("KUBERNETES_SERVICE_HOST");
        if (host != null && !host.isBlank()) {
            if (context != null) {
                throw new NotFound("--context " + context + ": no kubeconfig to take it from (running in a pod, with its service account)");
            }
            return new Resolved(Config.autoConfigure(null), "the pod's service account (in-cluster)");
        }
        throw new NotFound("no Kubernetes configuration: no --kubeconfig, $KUBECONFIG unset, no " + homeConfig
                + ", not running in a pod (KUBERNETES_SERVICE_HOST unset)");
    }

    private static Resolved fromFile(Path file, String context, String source) {
        if (!Files.isReadable(file)) {
            throw new NotFound(source + ": cannot read " + file);
        }
        Config config;
        try {
            config = Config.fromKubeconfig(context, new File(file.toString()));
        } catch (RuntimeException e) {
            throw new NotFound(source + (context == null ? "" : ", context " + context) + ": " + e.getMessage());
        }
        return checked(config, context, source);
    }

    /** fabric8 falls back to defaults for a context the kubeconfig lacks; kubectl refuses, and so do we. */
    private static Resolved checked(Config config, String context, String source) {
        if (context == null) {
            return new Resolved(config, source);
        }
        List<String> names = config.getContexts() == null ? List.of()
                : config.getContexts().stream().map(NamedContext::getName).toList();
        if (!names.contains(context)) {
            throw new NotFound("--context " + context + ": no such context in " + source
                    + (names.isEmpty() ? "" : " (it has " + String.join(", ", names) + ")"));
        }
        return new Resolved(config, source + ", context " + context);
    }

    /** A client for the configuration; the caller closes it. */
    public static KubernetesClient client(Resolved resolved) {
        return new KubernetesClientBuilder().withConfig(resolved.config()).build();
    }

    /**
     * {@code config} without fabric8's own request retries (connection refused, 429, 5xx, with backoff adding up to
     * ~20 s, ~100 s for a pod proxy's 503): every caller here has its own answer to a failure (the informers'
     * backoff, a one-line verdict, a user at a command line) and needs to hear of it at once.
     */
    static Config withoutRetries(Config config) {
        return new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build();
    }

    /** {@code client} without its request retries ({@link #withoutRetries(Config)}); shares its connections. */
    static KubernetesClient withoutRetries(KubernetesClient client) {
        RequestConfig config = new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestRetryBackoffLimit(0).build();
        return client.newClient(config).adapt(KubernetesClient.class);
    }

    /** A client for the configuration, without request retries ({@link #withoutRetries(Config)}); the caller closes it. */
    public static KubernetesClient clientWithoutRetries(Resolved resolved) {
        return new KubernetesClientBuilder().withConfig(withoutRetries(resolved.config())).build();
    }
}
