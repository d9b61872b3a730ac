package dev.dnsflow.cli;

import dev.dnsflow.k8s.KubeConfigs;
import dev.dnsflow.k8s.install.Coredns;
import dev.dnsflow.k8s.install.CorednsFinder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster and which CoreDNS in it: the options {@code install}, {@code uninstall} and {@code status} share. */
final class CorednsOptions {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = CorednsFinder.DEFAULT_NAMESPACE,
            description = "CoreDNS's namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--deployment", paramLabel = "NAME",
            description = "CoreDNS's Deployment (default: '" + CorednsFinder.DEFAULT_DEPLOYMENT + "', else the one labelled "
                    + "k8s-app=kube-dns that runs a CoreDNS image).")
    String deployment;

    @Option(names = "--configmap", paramLabel = "NAME",
            description = "The ConfigMap holding the Corefile (default: the one the Deployment mounts it from).")
    String configMap;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "The kubeconfig (default as kubectl: $KUBECONFIG, ~/.kube/config, else in-cluster).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context (default: its current one).")
    String context;

    /** A client for the cluster; the caller closes it. Request retries are off: a user at a command line hears at once. */
    KubernetesClient client() {
        KubeConfigs.Resolved config;
        try {
            config = KubeConfigs.resolve(kubeconfig, context);
        } catch (KubeConfigs.NotFound e) {
            throw new IllegalStateException(e.getMessage());
        }
        try {
            return KubeConfigs.clientWithoutRetries(config);
        } catch (RuntimeException e) { // a certificate or key the kubeconfig names cannot be read
            throw new IllegalStateException("cannot use " + config.source() + ": " + e.getMessage());
        }
    }

    Coredns find(KubernetesClient client) {
        return CorednsFinder.find(client, namespace, deployment, configMap);
    }
}
