package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out an uninstall from the marks install left: the original Corefile back first (CoreDNS forwards straight
 * upstream again while the sidecar is still there), then the objects install created, then the sidecar out of the
 * Deployment (whose annotations list those objects, so they go before it: a repeated uninstall still finds them). It
 * refuses when the Corefile was edited since install, as putting the original back would lose that edit, and when the
 * Corefile points at dnsflow with no original to put back, as taking the sidecar away would leave CoreDNS forwarding into
 * nothing.
 */
public final class UninstallPlanner {
    private final KubernetesClient client;
    private final KubernetesSerialization json;
    private final Manifests manifests;
    private final CorefileRewriter rewriter;

    public UninstallPlanner(KubernetesClient client, CorefileRewriter rewriter) {
        this.client = client;
        this.json = client.getKubernetesSerialization();
        this.manifests = new Manifests(client);
        this.rewriter = rewriter;
    }

    /**
     * @param force put the original Corefile back even if it was edited since install
     * @param wait how long to wait for CoreDNS's pods to run without the sidecar, or null not to wait
     */
    public Plan plan(Coredns coredns, boolean force, Duration wait) {
        List<Step> steps = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        ConfigMap cm = coredns.configMap();
        Deployment d = coredns.deployment();
        String field = "data." + coredns.corefileKey();
        if (CorefileEdit.installed(cm)) {
            CorefileEdit edit = new CorefileEdit(json, coredns.corefileKey());
            if (!edit.unchangedSinceInstall(cm)) {
                if (!force) {
                    throw new InstallException("the Corefile changed since dnsflow install wrote it (ConfigMap " + coredns.configMapId()
                            + ", " + field + "); uninstall would put back the Corefile from before install and lose that change. "
                            + "See the original with: kubectl -n " + coredns.namespace() + " get configmap " + cm.getMetadata().getName()
                            + " -o jsonpath='{.metadata.annotations.dnsflow\\.dev/original-corefile}'; then uninstall --force to put "
                            + "it back anyway");
                }
                warnings.add("--force: the Corefile (" + field + ") was edited since install; putting back the one from before install");
            }
            steps.add(new Step.Update<>(edit.restore(cm), edit::restore, current -> edit.putBack(current, cm), "the Corefile as before install"));
            changes.add("update ConfigMap " + coredns.configMapId() + ": the Corefile as it was before install");
        } else if (SidecarEdit.installed(d) && pointsAtDnsflow(coredns)) {
            throw new InstallException("the Corefile (ConfigMap " + coredns.configMapId() + ", " + field + ") still points at dnsflow, "
                    + "but the dnsflow.dev/original-corefile annotation that held the one before install is gone (the ConfigMap was "
                    + "replaced or re-applied?), so uninstall cannot put it back, and taking the sidecar away now would leave "
                    + "CoreDNS forwarding into nothing. Nothing was changed. Edit the Corefile back by hand (its '# dnsflow "
                    + "forwards to:' comment says where the forward went before), then run uninstall again");
        }
        if (SidecarEdit.installed(d)) {
            for (String id : SidecarEdit.created(d)) {
                HasMetadata object = created(id);
                if (object == null) {
                    continue;
                }
                if (!Marks.MANAGED_BY.equals(object.getMetadata().getLabels() == null ? null
                        : object.getMetadata().getLabels().get(Marks.MANAGED_BY_LABEL))) {
                    warnings.add(Step.id(object) + " was created by install but no longer carries " + Marks.MANAGED_BY_LABEL + "="
                            + Marks.MANAGED_BY + " (someone else took it over?); leaving it");
                    continue;
                }
                steps.add(new Step.Delete(object));
                changes.add("delete " + Step.id(object) + " (install created it)");
            }
            SidecarEdit sidecar = new SidecarEdit(json, manifests.sidecar());
            List<String> kept = sidecar.changedSinceInstall(d);
            if (!kept.isEmpty()) {
                warnings.add("Deployment " + coredns.deploymentId() + " was changed since install (" + String.join(", ", kept)
                        + "); only dnsflow's container, volumes, mount and label come out, those changes stay");
            }
            steps.add(new Step.Update<>(sidecar.remove(d), sidecar::remove, current -> sidecar.putBack(current, d), "sidecar removed"));
            changes.add("update Deployment " + coredns.deploymentId() + ": remove container " + Manifests.SIDECAR_CONTAINER
                    + ", its volumes and mount" + (kept.isEmpty() ? ", leaving the pod template as before install" : ""));
            if (wait != null) {
                steps.add(new Step.AwaitRollout(coredns.namespace(), d.getMetadata().getName(), wait));
            }
        }
        return new Plan(coredns, List.copyOf(steps), List.copyOf(changes), List.copyOf(warnings), false);
    }

    private boolean pointsAtDnsflow(Coredns coredns) {
        try {
            return !rewriter.rewrite(coredns.corefile(), "ConfigMap " + coredns.configMapId(), coredns.corednsVersion()).changed();
        } catch (RuntimeException e) {
            return CorefileEdit.touchedByDnsflow(coredns.corefile());
        }
    }

    /** The object recorded as {@code Kind/name} or {@code Kind/namespace/name}, as it is now; null when gone. */
    private HasMetadata created(String id) {
        String[] parts = id.split("/");
        String kind = parts[0];
        String ns = parts.length == 3 ? parts[1] : null;
        String name = parts[parts.length - 1];
        return switch (kind) {
            case "ClusterRole" -> Api.call("get", "clusterroles", null, () -> client.rbac().clusterRoles().withName(name).get());
            case "ClusterRoleBinding" -> Api.call("get", "clusterrolebindings", null,
                    () -> client.rbac().clusterRoleBindings().withName(name).get());
            case "Secret" -> Api.call("get", "secrets", ns, () -> client.secrets().inNamespace(ns).withName(name).get());
            default -> throw new InstallException("the Deployment's " + Marks.CREATED + " annotation names " + id
                    + ", which install never creates; was it edited? Remove that entry and run uninstall again");
        };
    }
}
