package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ConfigMap side of install: the patched Corefile goes in, the one it replaced into an annotation with the hash of
 * what we wrote; uninstall puts the original back, after checking nobody edited the Corefile since.
 */
final class CorefileEdit {
    private final KubernetesSerialization json;
    private final String key;

    /** @param key the ConfigMap's key holding the Corefile */
    CorefileEdit(KubernetesSerialization json, String key) {
        this.json = json;
        this.key = key;
    }

    ConfigMap patch(ConfigMap current, String patched) {
        ConfigMap cm = json.clone(current);
        String now = cm.getData().get(key);
        Map<String, String> annotations = Marks.annotations(cm);
        // the recorded original stays, unless the Corefile was replaced since by one without a trace of dnsflow (an add-on
        // update put the stock one back); a patched one that was edited is no original to go back to
        if (!annotations.containsKey(Marks.ORIGINAL_COREFILE) || !touchedByDnsflow(now)) {
            annotations.put(Marks.ORIGINAL_COREFILE, now);
        }
        annotations.put(Marks.COREFILE_SHA256, Marks.sha256(patched));
        Map<String, String> data = new LinkedHashMap<>(cm.getData());
        data.put(key, patched);
        cm.setData(data);
        return cm;
    }

    /** {@code current} with the data and annotations of {@code before}: the undo of a step that changed them. */
    ConfigMap putBack(ConfigMap current, ConfigMap before) {
        ConfigMap cm = json.clone(current);
        cm.setData(before.getData());
        cm.getMetadata().setAnnotations(before.getMetadata().getAnnotations());
        return cm;
    }

    /**
     * Whether the Corefile shows any of what install writes (the forward to the sidecar, the dnstap socket, its comments):
     * then it is not one to restore at uninstall.
     */
    static boolean touchedByDnsflow(String corefile) {
        return corefile.contains("127.0.0.1:5353") || corefile.contains(CorefileRewriter.DNSTAP_SOCKET.substring("unix://".length()))
                || corefile.contains("# dnsflow");
    }

    /** The Corefile to restore at uninstall: the recorded one, or the current when nothing is recorded. */
    static String original(ConfigMap cm, String key) {
        return installed(cm) ? cm.getMetadata().getAnnotations().get(Marks.ORIGINAL_COREFILE) : cm.getData().get(key);
    }

    static boolean installed(ConfigMap cm) {
        return cm.getMetadata().getAnnotations() != null && cm.getMetadata().getAnnotations().containsKey(Marks.ORIGINAL_COREFILE);
    }

    /** Whether the Corefile is still the one install wrote. */
    boolean unchangedSinceInstall(ConfigMap cm) {
        String now = cm.getData() == null ? null : cm.getData().get(key);
        return now != null && Marks.sha256(now).equals(cm.getMetadata().getAnnotations().get(Marks.COREFILE_SHA256));
    }

    ConfigMap restore(ConfigMap current) {
        ConfigMap cm = json.clone(current);
        Map<String, String> annotations = Marks.annotations(cm);
        String original = annotations.remove(Marks.ORIGINAL_COREFILE);
        annotations.remove(Marks.COREFILE_SHA256);
        Marks.dropIfEmpty(cm);
        if (original != null) {
            Map<String, String> data = new LinkedHashMap<>(cm.getData());
            data.put(key, original);
            cm.setData(data);
        }
        return cm;
    }

}
