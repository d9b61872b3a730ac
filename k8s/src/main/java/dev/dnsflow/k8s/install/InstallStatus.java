package dev.dnsflow.k8s.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.k8s.DnsflowInstances;
import dev.dnsflow.k8s.DnsflowInstances.Instance;
import dev.dnsflow.k8s.PodProxy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code dnsflow status}: whether dnsflow is in CoreDNS, whether the Corefile still points at it, and per CoreDNS pod
 * its readiness, the dnsflow image, the version the running dnsflow reports and its flows of the last minute (read
 * through the API server's pod proxy, as {@code observe --kubernetes} does).
 *
 * @param installed install's marks are on the Deployment
 * @param installedBy the dnsflow version that installed it, or null
 * @param corefilePointsAtDnsflow the Corefile forwards to dnsflow (patching it would change nothing)
 * @param corefileEditedSinceInstall the Corefile is not the one install wrote (an edit, or an add-on put its own back)
 */
public record InstallStatus(Coredns coredns, boolean installed, String installedBy, boolean corefilePointsAtDnsflow,
                            boolean corefileEditedSinceInstall, List<PodState> pods) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One CoreDNS pod.
     *
     * @param image the dnsflow container's image, or null when the pod has none
     * @param version what the running dnsflow says it is, or null when it could not be asked
     * @param flowsLastMinute the flows it recorded in the last minute, or -1 when it could not be asked
     * @param problem why it could not be asked, or null
     */
    public record PodState(String name, String phase, int readyContainers, int containers, String image, String version,
                           long flowsLastMinute, String problem) {
    }

    /**
     * Running CoreDNS pods without a dnsflow container while the Corefile forwards to it: their queries go nowhere (after
     * a {@code kubectl rollout undo}, or a Deployment put back by an add-on update, with the Corefile still patched).
     */
    public List<String> podsForwardingIntoNothing() {
        if (!corefilePointsAtDnsflow) {
            return List.of();
        }
        return pods.stream().filter(p -> p.image() == null && "Running".equals(p.phase())).map(PodState::name).toList();
    }

    public static InstallStatus read(KubernetesClient client, Coredns coredns, CorefileRewriter rewriter, Duration timeout) {
        boolean installed = SidecarEdit.installed(coredns.deployment());
        String by = installed ? coredns.deployment().getMetadata().getAnnotations().get(Marks.INSTALLED) : null;
        boolean points;
        try {
            points = !rewriter.rewrite(coredns.corefile(), "ConfigMap " + coredns.configMapId(), coredns.corednsVersion()).changed();
        } catch (RuntimeException e) {
            points = false;
        }
        boolean edited = CorefileEdit.installed(coredns.configMap())
                && !new CorefileEdit(client.getKubernetesSerialization(), coredns.corefileKey()).unchangedSinceInstall(coredns.configMap());
        return new InstallStatus(coredns, installed, by, points, edited, pods(client, coredns, timeout));
    }

    private static List<PodState> pods(KubernetesClient client, Coredns coredns, Duration timeout) {
        LabelSelector selector = coredns.deployment().getSpec().getSelector();
        List<Pod> pods = new ArrayList<>(Api.call("list", "pods", coredns.namespace(),
                () -> client.pods().inNamespace(coredns.namespace()).withLabelSelector(selector).list().getItems()));
        pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
        PodProxy proxy = new PodProxy(client);
        List<CompletableFuture<PodState>> states = new ArrayList<>();
        for (Pod pod : pods) {
            states.add(state(proxy, pod, timeout));
        }
        return states.stream().map(CompletableFuture::join).toList();
    }

    private static CompletableFuture<PodState> state(PodProxy proxy, Pod pod, Duration timeout) {
        String name = pod.getMetadata().getName();
        String phase = pod.getStatus() == null ? "Unknown" : pod.getStatus().getPhase();
        List<ContainerStatus> statuses = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? List.of()
                : pod.getStatus().getContainerStatuses();
        int ready = (int) statuses.stream().filter(s -> Boolean.TRUE.equals(s.getReady())).count();
        int containers = pod.getSpec().getContainers().size();
        String image = pod.getSpec().getContainers().stream().filter(c -> Manifests.SIDECAR_CONTAINER.equals(c.getName()))
                .map(Container::getImage).findFirst().orElse(null);
        if (image == null || !DnsflowInstances.running(pod)) {
            return CompletableFuture.completedFuture(new PodState(name, phase, ready, containers, image, null, -1,
                    image == null ? null : "not running"));
        }
        Instance instance = new Instance(pod.getMetadata().getNamespace(), name, pod.getStatus().getPodIP(),
                DnsflowInstances.adminPort(pod, 9553));
        return proxy.get(instance, "/api/v1/top?window=1m&limit=1", "Server", timeout)
                .orTimeout(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
                .handle((answer, failure) -> {
                    if (failure != null) {
                        return new PodState(name, phase, ready, containers, image, null, -1, describe(failure));
                    }
                    String version = answer.header() != null && answer.header().startsWith("dnsflow/")
                            ? answer.header().substring("dnsflow/".length()) : null;
                    if (answer.status() != 200) {
                        return new PodState(name, phase, ready, containers, image, version, -1, "its admin API answered "
                                + answer.status() + ": " + answer.body().strip());
                    }
                    try {
                        JsonNode top = JSON.readTree(answer.body());
                        return new PodState(name, phase, ready, containers, image, version, top.path("flows").asLong(-1), null);
                    } catch (Exception e) {
                        return new PodState(name, phase, ready, containers, image, version, -1, "unreadable answer from its admin API");
                    }
                });
    }

    private static String describe(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "its admin API did not answer in time";
        }
        return "its admin API could not be reached: " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
