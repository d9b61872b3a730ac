package dev.dnsflow.k8s.install;

import dev.dnsflow.k8s.install.CorefileRewriter.Rewrite;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Works out an install: the RBAC objects and the admin token Secret that are missing, the sidecar in CoreDNS's
 * Deployment, a wait until every CoreDNS pod runs it, then the Corefile pointing at it. In that order because a CoreDNS
 * pod reloads its Corefile by itself (the reload plugin) and one without the sidecar would forward into nothing.
 */
public final class InstallPlanner {
    /** The plugin whose presence means CoreDNS picks up a changed Corefile by itself. */
    private static final Pattern RELOAD = Pattern.compile("(?m)^\\s*reload\\b");
    /** What the original Corefile and pod template may take in annotations, below the API server's 256 KiB. */
    private static final int MAX_RECORDED = 200 * 1024;

    private final KubernetesClient client;
    private final KubernetesSerialization json;
    private final Manifests manifests;
    private final CorefileRewriter rewriter;

    public InstallPlanner(KubernetesClient client, CorefileRewriter rewriter) {
        this.client = client;
        this.json = client.getKubernetesSerialization();
        this.manifests = new Manifests(client);
        this.rewriter = rewriter;
    }

    /**
     * @param image the dnsflow image the sidecar runs
     * @param version the dnsflow version doing the install (recorded on the Deployment)
     * @param rollout how long to wait for CoreDNS's pods to run the sidecar before the Corefile is changed
     */
    public Plan plan(Coredns coredns, String image, String version, Duration rollout) {
        String refusal = coredns.distribution().refusal(coredns.namespace());
        if (refusal != null) {
            throw new InstallException(refusal);
        }
        List<String> warnings = new ArrayList<>();
        if (coredns.distribution().warning() != null) {
            warnings.add(coredns.distribution().warning());
        }
        String ns = coredns.namespace();
        String corefileName = "ConfigMap " + coredns.configMapId() + " (key " + coredns.corefileKey() + ")";
        String current = coredns.corefile();
        boolean recorded = CorefileEdit.installed(coredns.configMap());
        if (!recorded && CorefileEdit.touchedByDnsflow(current)) {
            throw new InstallException(corefileName + " points at dnsflow already, but not by dnsflow install (no "
                    + Marks.ORIGINAL_COREFILE + " annotation): there is no original Corefile uninstall could put back. Nothing "
                    + "was changed; put the Corefile from before dnsflow back first (its '# dnsflow forwards to:' comment says "
                    + "where the forward went), or keep managing it by hand (k8s/deploy/overlays/coredns-sidecar)");
        }
        Rewrite patched = rewrite(current, corefileName, coredns.corednsVersion());
        // where dnsflow sends queries: where the Corefile sent them before install (also when it is patched already)
        String original = recorded && CorefileEdit.touchedByDnsflow(current)
                ? CorefileEdit.original(coredns.configMap(), coredns.corefileKey()) : current;
        List<String> upstreams = upstreams(rewrite(original, corefileName, coredns.corednsVersion()).upstreams(), corefileName);
        warnings.addAll(patched.warnings());
        if (patched.changed() && !RELOAD.matcher(current).find()) {
            warnings.add(corefileName + " has no 'reload' plugin: CoreDNS will not pick up the new Corefile until its pods restart "
                    + "(kubectl -n " + coredns.namespace() + " rollout restart deployment " + coredns.deployment().getMetadata().getName() + ")");
        }
        int recordedBytes = current.length() + json.asJson(coredns.deployment().getSpec().getTemplate()).length();
        if (recordedBytes > MAX_RECORDED) {
            throw new InstallException("the Corefile and the pod template are too large (" + recordedBytes / 1024 + " KiB) to be "
                    + "recorded in annotations, which the API server caps at 256 KiB per object; nothing was changed. Install by "
                    + "hand (k8s/deploy/overlays/coredns-sidecar)");
        }

        List<Step> steps = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        Set<String> created = new LinkedHashSet<>();
        for (HasMetadata missing : missingObjects(coredns, warnings)) {
            steps.add(new Step.Create(missing));
            created.add(createdId(missing));
            changes.add("create " + Step.id(missing));
        }

        SidecarEdit sidecar = new SidecarEdit(json, manifests.sidecar());
        Deployment before = coredns.deployment();
        Deployment after = sidecar.add(before, coredns.container(), image, upstreams, version, created);
        boolean deploymentChanges = !json.asJson(after).equals(json.asJson(before));
        if (deploymentChanges) {
            steps.add(new Step.Update<>(after, d -> sidecar.add(d, coredns.container(), image, upstreams, version, created),
                    d -> sidecar.putBack(d, before), "sidecar " + Manifests.SIDECAR_CONTAINER + " (" + image + ")"
                    + (upstreams.isEmpty() ? "" : " forwarding to " + String.join(" ", upstreams))));
            changes.add("update Deployment " + coredns.deploymentId() + ": add container " + Manifests.SIDECAR_CONTAINER + " (" + image
                    + "), its volumes and CoreDNS's mount of the dnstap directory; CoreDNS's pods restart one by one");
        }
        if (patched.changed()) {
            CorefileEdit edit = new CorefileEdit(json, coredns.corefileKey());
            ConfigMap cmBefore = coredns.configMap();
            steps.add(new Step.AwaitRollout(ns, before.getMetadata().getName(), rollout));
            steps.add(new Step.Update<>(edit.patch(cmBefore, patched.text()), cm -> edit.patch(cm,
                    rewrite(cm.getData().get(coredns.corefileKey()), corefileName, coredns.corednsVersion()).text()),
                    cm -> edit.putBack(cm, cmBefore), "the Corefile points at dnsflow"));
            patched.changes().forEach(c -> changes.add("update " + c));
            changes.add("CoreDNS reloads the Corefile by itself (the reload plugin), within about a minute and a half");
        } else if (deploymentChanges) {
            steps.add(new Step.AwaitRollout(ns, before.getMetadata().getName(), rollout));
        }
        return new Plan(coredns, List.copyOf(steps), List.copyOf(changes), List.copyOf(warnings), true);
    }

    private Rewrite rewrite(String corefile, String name, String version) {
        try {
            return rewriter.rewrite(corefile, name, version);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new InstallException("cannot point the Corefile at dnsflow: " + e.getMessage() + ". Nothing was changed; to "
                    + "install by hand: `dnsflow corefile --patch` a copy of the Corefile, then follow "
                    + "k8s/deploy/overlays/coredns-sidecar/README.md");
        }
    }

    /** The old forward destinations as dnsflow's {@code --upstream} values; /etc/resolv.conf is its default. */
    private static List<String> upstreams(List<String> destinations, String corefile) {
        List<String> out = new ArrayList<>();
        for (String d : destinations) {
            if (d.equals("/etc/resolv.conf")) {
                continue;
            }
            if (d.startsWith("tls://")) {
                throw new InstallException(corefile + " forwards over DNS over TLS (" + d + "); dnsflow speaks plain DNS to its "
                        + "upstreams, so putting it in between would send the cluster's queries unencrypted. Nothing was changed");
            }
            if (d.startsWith("/")) {
                throw new InstallException(corefile + " forwards to the nameservers in " + d + ", a file in CoreDNS's container "
                        + "that the sidecar cannot read; dnsflow reads /etc/resolv.conf. Nothing was changed; install by hand "
                        + "(k8s/deploy/overlays/coredns-sidecar) with --upstream set to the servers listed in " + d);
            }
            out.add(d);
        }
        return out;
    }

    /** The ClusterRole, CoreDNS's binding to it and the admin token Secret, for each that is not there yet. */
    private List<HasMetadata> missingObjects(Coredns coredns, List<String> warnings) {
        String ns = coredns.namespace();
        List<HasMetadata> missing = new ArrayList<>();
        ClusterRole role = manifests.clusterRole();
        if (Api.call("get", "clusterroles", null, () -> client.resource(role).get()) == null) {
            missing.add(managed(role));
        }
        ClusterRoleBinding binding = manifests.corednsBinding();
        String account = coredns.deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
        if (account == null || account.isEmpty() || account.equals("default")) {
            warnings.add("Deployment " + coredns.deploymentId() + " runs as the namespace's 'default' ServiceAccount; binding the "
                    + "ClusterRole to it would let every pod using that account read pods, services and nodes cluster-wide, so "
                    + "install does not, and flows go without Kubernetes names. Give CoreDNS its own ServiceAccount (kubeadm's is "
                    + "'coredns') and install again for names");
        } else {
            binding.setSubjects(List.of(new SubjectBuilder().withKind("ServiceAccount").withName(account).withNamespace(ns).build()));
            ClusterRoleBinding existing = Api.call("get", "clusterrolebindings", null, () -> client.resource(binding).get());
            if (existing == null) {
                missing.add(managed(binding));
            } else if (existing.getSubjects() == null || existing.getSubjects().stream().noneMatch(
                    x -> account.equals(x.getName()) && ns.equals(x.getNamespace()))) {
                warnings.add("ClusterRoleBinding " + binding.getMetadata().getName() + " exists but does not bind ServiceAccount "
                        + ns + "/" + account + "; dnsflow's names stay off until it does");
            }
        }
        Secret token = new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName(Manifests.TOKEN_SECRET).withNamespace(ns)
                .withLabels(Map.of("app.kubernetes.io/name", "dnsflow")).build()).withType("Opaque").build();
        if (Api.call("get", "secrets", ns, () -> client.resource(token).get()) == null) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            token.setData(Map.of(Manifests.TOKEN_KEY, Base64.getEncoder().encodeToString(
                    HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII))));
            missing.add(managed(token));
        }
        return missing;
    }

    private static HasMetadata managed(HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(o.getMetadata().getLabels());
        labels.put(Marks.MANAGED_BY_LABEL, Marks.MANAGED_BY);
        o.getMetadata().setLabels(labels);
        return o;
    }

    /** {@code ClusterRole/dnsflow}, {@code Secret/kube-system/dnsflow-admin-token}: how the Deployment records it. */
    static String createdId(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return o.getKind() + "/" + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }
}
