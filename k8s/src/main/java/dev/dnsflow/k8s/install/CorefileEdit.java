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
        // the recorded original stays, unless the Corefile was replaced since (an add-on update put the stock one back)
        if (!annotations.containsKey(Marks.ORIGINAL_COREFILE) || !Marks.sha256(now).equals(annotations.get(Marks.COREFILE_SHA256))) {
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
