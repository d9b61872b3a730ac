package dev.dnsflow.cli;

import dev.dnsflow.k8s.DnsflowInstances;
import dev.dnsflow.k8s.KubeConfigs;
import dev.dnsflow.k8s.PodProxy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The cluster-wide view's options, shared by {@code observe} and {@code diagnose} (a picocli mixin):
 * {@code --kubernetes} reads every dnsflow pod the label selector finds, through the API server's pod proxy,
 * instead of the one admin API of {@code --server}. {@link #open} picks the {@link FlowSource}.
 */
final class ClusterOptions {
    static final String SERVER = "--server";
    static final String KUBERNETES = "--kubernetes";
    private static final List<String> NEED_KUBERNETES = List.of("--selector", "--dnsflow-namespace", "--kubeconfig", "--context",
            "--admin-port");

    @Option(names = KUBERNETES, description = "Instead of --server: every running dnsflow pod of the cluster, read through the "
            + "API server's pod proxy and merged, each flow naming its pod.")
    boolean kubernetes;

    @Option(names = "--selector", paramLabel = "SELECTOR", defaultValue = DnsflowInstances.DEFAULT_SELECTOR,
            description = "With --kubernetes: the label selector of the dnsflow pods (default: ${DEFAULT-VALUE}).")
    String selector;

    @Option(names = "--dnsflow-namespace", paramLabel = "NS",
            description = "With --kubernetes: look for dnsflow pods only in this namespace (default: all namespaces).")
    String dnsflowNamespace;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "With --kubernetes: the kubeconfig (default as kubectl: $KUBECONFIG, ~/.kube/config, else in-cluster).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "With --kubernetes: the kubeconfig context (default: its current one).")
    String context;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "9553",
            description = "With --kubernetes: the admin API's port when the pod declares no container port named 'admin' "
                    + "(default: ${DEFAULT-VALUE}).")
    int adminPort;

    /** The source the command line asks for: the cluster's dnsflow pods with --kubernetes, else --server. */
    FlowSource open(CommandSpec spec, String server, Consumer<String> warn) throws FlowsClient.Failure {
        ParseResult parsed = spec.commandLine().getParseResult();
        if (kubernetes && parsed.hasMatchedOption(SERVER)) {
            throw new ParameterException(spec.commandLine(), SERVER + " and " + KUBERNETES + " cannot be used together: " + SERVER
                    + " reads one dnsflow, " + KUBERNETES + " every dnsflow pod of the cluster");
        }
        if (!kubernetes) {
            for (String option : NEED_KUBERNETES) {
                if (parsed.hasMatchedOption(option)) {
                    throw new ParameterException(spec.commandLine(), option + " is for " + KUBERNETES + " (add it, or drop " + option + ")");
                }
            }
            try {
                return new ServerFlowSource(FlowsClient.baseUri(server), warn);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (adminPort < 1 || adminPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--admin-port: '" + adminPort + "' is not a port (1-65535)");
        }
        return cluster(warn);
    }

    private FlowSource cluster(Consumer<String> warn) throws FlowsClient.Failure {
        KubeConfigs.Resolved config;
        try {
            config = KubeConfigs.resolve(kubeconfig, context);
        } catch (KubeConfigs.NotFound e) {
            throw new FlowsClient.Failure(e.getMessage());
        }
        KubernetesClient client;
        try {
            // a pod proxy's 503 (the pod refused) is news to report at once, and a command line has a user to retry
            client = KubeConfigs.clientWithoutRetries(config);
        } catch (RuntimeException e) { // a certificate or key the kubeconfig names cannot be read
            throw new FlowsClient.Failure("cannot use " + config.source() + ": " + e.getMessage());
        }
        String where = "pods with label selector '" + selector + "' in " + (dnsflowNamespace == null ? "all namespaces"
                : "namespace " + dnsflowNamespace);
        try {
            List<DnsflowInstances.Instance> found = DnsflowInstances.find(client, selector, dnsflowNamespace, adminPort);
            if (found.isEmpty()) {
                throw new FlowsClient.Failure("no running dnsflow pod found: looked for " + where + " at "
                        + client.getConfiguration().getMasterUrl() + " (" + config.source() + "; see --selector, --dnsflow-namespace)");
            }
            return new ClusterFlowSource(client, new PodProxy(client), found, warn);
        } catch (KubernetesClientException e) {
            client.close();
            throw new FlowsClient.Failure("cannot list " + where + " at " + client.getConfiguration().getMasterUrl() + " ("
                    + config.source() + "): " + (e.getCode() > 0 ? e.getCode() + " " : "") + FlowsClient.reason(e));
        } catch (FlowsClient.Failure | RuntimeException e) {
            client.close();
            throw e;
        }
    }
}
