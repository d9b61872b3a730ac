package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What install writes on the objects it changes, so that uninstall can put them back byte for byte with nothing but the
 * cluster to go on (no local state: a colleague's laptop, or CI, may run the uninstall).
 */
final class Marks {
    static final String PREFIX = "dnsflow.dev/";
    /** On the Deployment: the dnsflow version that installed it; its presence means "installed". */
    static final String INSTALLED = PREFIX + "installed";
    /** On the Deployment: its pod template before install, as JSON (containers, volumes, labels: all of it). */
    static final String ORIGINAL_POD_TEMPLATE = PREFIX + "original-pod-template";
    /** On the Deployment: the objects install created, {@code Kind/name} or {@code Kind/namespace/name}, comma separated. */
    static final String CREATED = PREFIX + "created";
    /** On the ConfigMap: the Corefile before install. */
    static final String ORIGINAL_COREFILE = PREFIX + "original-corefile";
    /** On the ConfigMap: the SHA-256 of the Corefile install wrote, to notice a later edit. */
    static final String COREFILE_SHA256 = PREFIX + "corefile-sha256";
    /** On the objects install creates. */
    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY = "dnsflow-install";

    private Marks() {
    }

    /** The object's annotations as a map it owns and that may be changed (created when it had none). */
    static Map<String, String> annotations(HasMetadata o) {
        Map<String, String> a = o.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(o.getMetadata().getAnnotations());
        o.getMetadata().setAnnotations(a);
        return a;
    }

    /** No annotations left: none at all, as before install (the API server does not tell {} from absent, a diff does). */
    static void dropIfEmpty(HasMetadata o) {
        if (o.getMetadata().getAnnotations() != null && o.getMetadata().getAnnotations().isEmpty()) {
            o.getMetadata().setAnnotations(null);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }
}
