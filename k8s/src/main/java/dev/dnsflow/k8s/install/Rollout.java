package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Waits for a Deployment's rollout as {@code kubectl rollout status} does (the controller saw the new generation, every
 * replica is updated, the old ones are gone, the new ones available), printing a line each time the picture changes.
 * When it gives up it says what the pods are stuck on (an image that cannot be pulled, a crash loop).
 */
final class Rollout {
    private static final Duration POLL = Duration.ofSeconds(1);

    private Rollout() {
    }

    static void await(KubernetesClient client, String namespace, String name, Duration timeout, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            Deployment d = Api.call("get", "deployments", namespace, () -> client.apps().deployments().inNamespace(namespace)
                    .withName(name).get());
            if (d == null) {
                throw new InstallException("Deployment " + namespace + "/" + name + " was deleted during the rollout");
            }
            String waiting = waitingFor(d);
            if (waiting == null) {
                progress.accept("rollout of " + namespace + "/" + name + " complete");
                return;
            }
            if (!waiting.equals(last)) {
                progress.accept("rollout of " + namespace + "/" + name + ": " + waiting);
                last = waiting;
            }
            String failed = progressDeadlineExceeded(d);
            if (failed != null || System.nanoTime() >= deadline) {
                throw new InstallException("the rollout of Deployment " + namespace + "/" + name + " did not finish "
                        + (failed != null ? "(" + failed + ")" : "within " + timeout.toSeconds() + "s") + ": " + waiting
                        + stuck(client, d));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstallException("interrupted while waiting for the rollout of " + namespace + "/" + name);
            }
        }
    }

    /** What the rollout still waits for, or null when it is complete. */
    static String waitingFor(Deployment d) {
        DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return "waiting for the Deployment controller to see the change";
        }
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        int updated = n(s.getUpdatedReplicas());
        if (updated < want) {
            return updated + " of " + want + " pods updated";
        }
        if (n(s.getReplicas()) > updated) {
            return (n(s.getReplicas()) - updated) + " old pod" + (n(s.getReplicas()) - updated == 1 ? "" : "s") + " still terminating";
        }
        if (n(s.getAvailableReplicas()) < updated) {
            return n(s.getAvailableReplicas()) + " of " + updated + " updated pods available";
        }
        return null;
    }

    private static String progressDeadlineExceeded(Deployment d) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        for (DeploymentCondition c : d.getStatus().getConditions()) {
            if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
                return "the Deployment's progress deadline passed";
            }
        }
        return null;
    }

    /** Why pods do not get ready, from their containers' waiting states: "; pod coredns-x: dnsflow: ImagePullBackOff (...)". */
    private static String stuck(KubernetesClient client, Deployment d) {
        Map<String, String> selector = d.getSpec().getSelector() == null ? null : d.getSpec().getSelector().getMatchLabels();
        if (selector == null || selector.isEmpty()) {
            return "";
        }
        List<String> why = new ArrayList<>();
        try {
            for (Pod pod : client.pods().inNamespace(d.getMetadata().getNamespace()).withLabels(selector).list().getItems()) {
                if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                    continue;
                }
                for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
                    if (c.getState() != null && c.getState().getWaiting() != null && c.getState().getWaiting().getReason() != null) {
                        String message = c.getState().getWaiting().getMessage();
                        why.add("pod " + pod.getMetadata().getName() + ": " + c.getName() + ": " + c.getState().getWaiting().getReason()
                                + (message == null ? "" : " (" + message + ")"));
                    }
                }
            }
        } catch (RuntimeException e) {
            return ""; // the reasons are a courtesy; the timeout is the message
        }
        return why.isEmpty() ? "" : "; " + String.join("; ", why);
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }
}
