package dev.dnsflow.k8s;

import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Before trusting the informers: can we list what they watch? One small list per resource (limit 1),
 * each failure turned into a sentence an operator can act on: no answer, credentials refused (401), the
 * verb and resource the role is missing (403), or what the server said.
 */
public final class ApiAccess {
    /** What the role in {@code k8s/deploy/base} grants, and what to add when it is missing. */
    static final String ROLE_HINT = "dnsflow needs get, list and watch on pods, services and nodes, and on "
            + "replicasets (apps) and jobs (batch) to name workloads, in all namespaces";

    private static final ListOptions ONE = new ListOptionsBuilder().withLimit(1L).build();

    private ApiAccess() {
    }

    /**
     * Null when every resource could be listed and watched, else why not (the first failure). Never throws. Each list is
     * tried once: the client's own retries (connection refused, 429, 5xx, with backoff adding up to ~20 s)
     * would turn every fast, telling failure into "did not answer" at the deadline.
     */
    public static String problem(KubernetesClient base, Duration timeout) {
        KubernetesClient client = KubeConfigs.withoutRetries(base);
        Map<String, Supplier<Object>> lists = new LinkedHashMap<>();
        lists.put("pods", () -> client.pods().inAnyNamespace().list(ONE));
        lists.put("services", () -> client.services().inAnyNamespace().list(ONE));
        lists.put("nodes", () -> client.nodes().list(ONE));
        lists.put("replicasets", () -> client.apps().replicaSets().inAnyNamespace().list(ONE));
        lists.put("jobs", () -> client.batch().v1().jobs().inAnyNamespace().list(ONE));
        String server = client.getMasterUrl() == null ? "the API server" : "the API server at " + client.getMasterUrl();
        long deadline = System.nanoTime() + timeout.toNanos();
        // its own daemon thread: a list that hangs past the deadline must not hold a shared pool's thread
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dnsflow-k8s-access");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Map.Entry<String, Supplier<Object>> list : lists.entrySet()) {
                long left = deadline - System.nanoTime();
                try {
                    CompletableFuture.supplyAsync(list.getValue(), thread).get(Math.max(left, 1), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    return server + " did not answer within " + timeout.toSeconds() + "s (listing " + list.getKey() + ")";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted while listing " + list.getKey();
                } catch (ExecutionException e) {
                    return describe(e.getCause(), server, list.getKey());
                }
            }
            return CompletableFuture.supplyAsync(() -> unwatchable(client), thread)
                    .completeOnTimeout(null, Math.max(deadline - System.nanoTime(), 1), TimeUnit.NANOSECONDS).join();
        } finally {
            thread.shutdownNow();
        }
    }

    /**
     * Listing is not watching: a role with get and list but no watch passes the lists, and then no name ever
     * comes. The API answers "may I watch X?" itself (SelfSubjectAccessReview, which every authenticated user
     * may ask); when it cannot be asked, say nothing: the informers' watch_errors will tell.
     */
    private static String unwatchable(KubernetesClient client) {
        String[][] resources = {{"", "pods"}, {"", "services"}, {"", "nodes"}, {"apps", "replicasets"}, {"batch", "jobs"}};
        for (String[] r : resources) {
            try {
                SelfSubjectAccessReview review = client.authorization().v1().selfSubjectAccessReview().create(
                        new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes().withVerb("watch")
                                .withGroup(r[0]).withResource(r[1]).endResourceAttributes().endSpec().build());
                if (review.getStatus() != null && Boolean.FALSE.equals(review.getStatus().getAllowed())) {
                    return "forbidden to watch " + r[1] + " at cluster scope: " + ROLE_HINT;
                }
            } catch (RuntimeException cannotAsk) {
                // not asked: the informers' watch_errors will tell
            }
        }
        return null;
    }

    /** One failed list, in words. */
    static String describe(Throwable t, String server, String resource) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k && k.getCode() > 0) {
                return switch (k.getCode()) {
                    case 401 -> server + " refused our credentials (401 Unauthorized): check the token or certificate "
                            + "of the kubeconfig's user, or the pod's service account";
                    case 403 -> "forbidden to list " + resource + " at cluster scope (403)"
                            + statusMessage(k) + ": " + ROLE_HINT;
                    default -> server + " answered " + k.getCode() + " to listing " + resource + statusMessage(k);
                };
            }
            if (c instanceof IOException io) {
                return "cannot reach " + server + ": " + ioReason(io);
            }
        }
        return "cannot list " + resource + " from " + server + ": " + rootMessage(t);
    }

    /** In words: HTTP clients wrap a refused connection in exceptions with no message (ClosedChannelException). */
    static String ioReason(IOException io) {
        for (Throwable c = io; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException) {
                return "connection refused";
            }
            if (c instanceof java.net.http.HttpTimeoutException || c instanceof java.net.SocketTimeoutException) {
                return "timed out";
            }
            if (c instanceof java.net.UnknownHostException) {
                return "unknown host " + c.getMessage();
            }
        }
        return rootMessage(io);
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private static String statusMessage(KubernetesClientException k) {
        String m = k.getStatus() == null ? null : k.getStatus().getMessage();
        return m == null || m.isBlank() ? "" : " (\"" + m + "\")";
    }
}
