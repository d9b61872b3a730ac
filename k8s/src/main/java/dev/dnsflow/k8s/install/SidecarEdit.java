package dev.dnsflow.k8s.install;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.k8s.install.Manifests.Sidecar;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Deployment side of install: the sidecar container, its volumes, CoreDNS's mount of the dnstap directory and the
 * pod label go in (each replacing one of the same name, so a second install changes nothing); on the way out exactly
 * those come out again. The pod template as it was before is kept in an annotation, and when taking the sidecar out
 * gives that template back (nobody else changed it meanwhile) it is written from there, byte for byte.
 */
final class SidecarEdit {
    private static final ObjectMapper TREES = new ObjectMapper();

    private final KubernetesSerialization json;
    private final Sidecar sidecar;

    SidecarEdit(KubernetesSerialization json, Sidecar sidecar) {
        this.json = json;
        this.sidecar = sidecar;
    }

    /**
     * @param corednsContainer the name of CoreDNS's own container
     * @param upstreams {@code --upstream} values for dnsflow (empty: it reads /etc/resolv.conf)
     * @param created what install created, to be removed by uninstall (added to what an earlier install recorded)
     */
    Deployment add(Deployment current, String corednsContainer, String image, List<String> upstreams, String version,
                   Set<String> created) {
        Deployment d = json.clone(current);
        Map<String, String> annotations = Marks.annotations(d);
        annotations.putIfAbsent(Marks.ORIGINAL_POD_TEMPLATE, json.asJson(current.getSpec().getTemplate()));
        annotations.put(Marks.INSTALLED, version);
        Set<String> all = new LinkedHashSet<>(split(annotations.get(Marks.CREATED)));
        all.addAll(created);
        if (all.isEmpty()) {
            annotations.remove(Marks.CREATED);
        } else {
            annotations.put(Marks.CREATED, String.join(",", all));
        }

        PodTemplateSpec template = d.getSpec().getTemplate();
        Map<String, String> labels = template.getMetadata().getLabels() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(template.getMetadata().getLabels());
        labels.putAll(sidecar.podLabels());
        template.getMetadata().setLabels(labels);

        PodSpec pod = template.getSpec();
        Container coredns = pod.getContainers().stream().filter(c -> c.getName().equals(corednsContainer)).findFirst()
                .orElseThrow(() -> new InstallException("Deployment " + current.getMetadata().getName() + " has no container "
                        + corednsContainer + " any more (changed while we worked?); run install again"));
        coredns.setVolumeMounts(put(coredns.getVolumeMounts(), clones(sidecar.corednsMounts()), VolumeMount::getName));
        Container dnsflow = json.clone(sidecar.container());
        dnsflow.setImage(image);
        List<String> args = new ArrayList<>(dnsflow.getArgs());
        upstreams.forEach(u -> args.add("--upstream=" + u));
        dnsflow.setArgs(args);
        pod.setContainers(put(pod.getContainers(), List.of(dnsflow), Container::getName));
        pod.setVolumes(put(pod.getVolumes(), clones(sidecar.volumes()), Volume::getName));
        return d;
    }

    /** {@code current} with the pod template and annotations of {@code before}: the undo of a step that changed them. */
    Deployment putBack(Deployment current, Deployment before) {
        Deployment d = json.clone(current);
        d.getSpec().setTemplate(json.clone(before.getSpec().getTemplate()));
        d.getMetadata().setAnnotations(before.getMetadata().getAnnotations());
        return d;
    }

    /** Whether install's marks are on the Deployment. */
    static boolean installed(HasMetadata d) {
        return d.getMetadata().getAnnotations() != null && d.getMetadata().getAnnotations().containsKey(Marks.INSTALLED);
    }

    /** The objects install recorded as created by it. */
    static List<String> created(HasMetadata d) {
        return d.getMetadata().getAnnotations() == null ? List.of() : split(d.getMetadata().getAnnotations().get(Marks.CREATED));
    }

    /** The Deployment without the sidecar and without install's marks. */
    Deployment remove(Deployment current) {
        Deployment d = json.clone(current);
        PodTemplateSpec template = d.getSpec().getTemplate();
        PodSpec pod = template.getSpec();
        pod.getContainers().removeIf(c -> sidecar.container().getName().equals(c.getName()));
        Set<String> mounts = names(sidecar.corednsMounts(), VolumeMount::getName);
        for (Container c : pod.getContainers()) {
            if (c.getVolumeMounts() != null) {
                c.getVolumeMounts().removeIf(m -> mounts.contains(m.getName()));
            }
        }
        if (pod.getVolumes() != null) {
            Set<String> volumes = names(sidecar.volumes(), Volume::getName);
            pod.getVolumes().removeIf(v -> volumes.contains(v.getName()));
        }
        Map<String, String> labels = template.getMetadata().getLabels();
        if (labels != null) {
            sidecar.podLabels().forEach(labels::remove);
        }
        Map<String, String> annotations = Marks.annotations(d);
        String original = annotations.remove(Marks.ORIGINAL_POD_TEMPLATE);
        annotations.remove(Marks.INSTALLED);
        annotations.remove(Marks.CREATED);
        Marks.dropIfEmpty(d);
        if (original != null) {
            PodTemplateSpec before = json.unmarshal(original, PodTemplateSpec.class);
            if (normal(before).equals(normal(template))) {
                d.getSpec().setTemplate(before);
            }
        }
        return d;
    }

    /**
     * What differs between the template install found and the one uninstall leaves (someone changed the pod template
     * since install: uninstall keeps their change), as JSON paths; empty when nothing does.
     */
    List<String> changedSinceInstall(Deployment current) {
        String original = current.getMetadata().getAnnotations() == null ? null
                : current.getMetadata().getAnnotations().get(Marks.ORIGINAL_POD_TEMPLATE);
        if (original == null) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        diff("spec.template", normal(json.unmarshal(original, PodTemplateSpec.class)), normal(remove(current).getSpec().getTemplate()),
                paths);
        return paths;
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a.equals(b)) {
            return;
        }
        if (a.isObject() && b.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(path + "." + k, a.path(k), b.path(k), out);
            }
        } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                diff(path + "[" + i + "]", a.get(i), b.get(i), out);
            }
        } else {
            out.add(path);
        }
    }

    /** The template as a JSON tree without empty lists and maps: the API server does not tell [] from absent. */
    private JsonNode normal(PodTemplateSpec template) {
        return prune(tree(template));
    }

    private JsonNode tree(Object o) {
        try {
            return TREES.readTree(json.asJson(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("fabric8 wrote JSON that does not parse", e);
        }
    }

    private static JsonNode prune(JsonNode node) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                JsonNode value = prune(fields.next().getValue());
                if (value.isNull() || value.isContainerNode() && value.isEmpty()) {
                    fields.remove();
                }
            }
        } else if (node.isArray()) {
            node.forEach(SidecarEdit::prune);
        }
        return node;
    }


    /**
     * {@code list} with each of {@code items} replacing the element of the same name, or appended. An element that already
     * holds everything the item says stays as it is: the API server fills in defaults (a container's
     * terminationMessagePath, a probe's scheme, a Secret volume's defaultMode) that the manifest leaves out, and replacing
     * it would change the pod template, and so restart CoreDNS, on every install for nothing.
     */
    private <T> List<T> put(List<T> list, List<T> items, Function<T, String> name) {
        List<T> out = list == null ? new ArrayList<>() : new ArrayList<>(list);
        for (T item : items) {
            int at = -1;
            for (int i = 0; i < out.size(); i++) {
                if (name.apply(out.get(i)).equals(name.apply(item))) {
                    at = i;
                }
            }
            if (at < 0) {
                out.add(item);
            } else if (!contains(tree(out.get(at)), tree(item))) {
                out.set(at, item);
            }
        }
        return out;
    }

    /** Whether {@code live} holds every field of {@code wanted} with the same value (and maybe more: server defaults). */
    private static boolean contains(JsonNode live, JsonNode wanted) {
        if (wanted.isObject()) {
            if (!live.isObject()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = wanted.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (!live.has(f.getKey()) || !contains(live.get(f.getKey()), f.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (wanted.isArray()) {
            if (!live.isArray() || live.size() != wanted.size()) {
                return false;
            }
            for (int i = 0; i < wanted.size(); i++) {
                if (!contains(live.get(i), wanted.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return live.equals(wanted);
    }

    private <T> List<T> clones(List<T> items) {
        return items.stream().map(json::clone).toList();
    }

    private static <T> Set<String> names(List<T> items, Function<T, String> name) {
        Set<String> out = new LinkedHashSet<>();
        items.forEach(i -> out.add(name.apply(i)));
        return out;
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : List.of(csv.split(","));
    }

}
