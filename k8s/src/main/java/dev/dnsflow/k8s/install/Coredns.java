package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster's CoreDNS as found: its Deployment, the ConfigMap holding its Corefile (under {@code corefileKey}), the
 * name of its own container, and the distribution it came with.
 */
public record Coredns(Deployment deployment, ConfigMap configMap, String corefileKey, String container,
                      Distribution distribution) {
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    public String namespace() {
        return deployment.getMetadata().getNamespace();
    }

    /** {@code kube-system/coredns}. */
    public String deploymentId() {
        return namespace() + "/" + deployment.getMetadata().getName();
    }

    public String configMapId() {
        return namespace() + "/" + configMap.getMetadata().getName();
    }

    /** The Corefile, or null when the ConfigMap has none under its key. */
    public String corefile() {
        return configMap.getData() == null ? null : configMap.getData().get(corefileKey);
    }

    /** CoreDNS's version from its image tag ({@code v1.11.3}, {@code 1.10.1}, {@code v1.11.1-eksbuild.4}), or null. */
    public String corednsVersion() {
        String image = CorednsFinder.corednsImage(deployment);
        int colon = image.lastIndexOf(':');
        if (colon < 0 || image.indexOf('/', colon) >= 0) {
            return null;
        }
        Matcher m = VERSION.matcher(image.substring(colon + 1));
        return m.find() ? m.group() : null;
    }
}
