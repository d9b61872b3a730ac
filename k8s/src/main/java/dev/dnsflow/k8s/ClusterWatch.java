package dev.dnsflow.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps a {@link ClusterIndex} current: shared informers (list, then watch; resync every
 * {@link #RESYNC_MILLIS}) over pods, Services, nodes, ReplicaSets and Jobs in all namespaces.
 * Informer caches keep only what a deletion needs, namespace, name and uid ({@link ReducedStateItemStore}):
 * the index holds everything else, so a large cluster costs little more than the index itself (a full
 * or field-reduced cache of 10 000 pods is tens of MB). Handlers only update the index; a resync hands
 * back what the cache holds, which is too little to restate an object, and changes nothing anyway: it is
 * let pass.
 *
 * <p>Metrics, on the registry given: {@code dnsflow.kubernetes.synced{resource}} (1 once the first
 * list arrived), {@code dnsflow.kubernetes.objects{resource}} (objects in the informer's cache) and
 * {@code dnsflow.kubernetes.watch.errors{resource,reason}} (list/watch failures; the informer
 * retries them with backoff, except unreadable objects) and {@code dnsflow.kubernetes.watch.opens{resource}}
 * (watch requests sent, counted by {@link WatchOpens}: the first and every re-open).
 */
public final class ClusterWatch implements AutoCloseable {
    /** Objects per list request while an informer (re)lists: client-go's default page size. */
    static final long LIST_PAGE = 500;
    public static final long RESYNC_MILLIS = 10 * 60_000L;
    /** How often, at most, informer events also sweep the index's expired addresses. */
    static final long EXPIRE_EVERY_MILLIS = 30_000;

    private static final int HTTP_GONE = 410;

    /** What the informers' caches keep of each object: what {@code ClusterIndex.remove…} reads. */
    private static final String[] KEPT = {"metadata.namespace", "metadata.name", "metadata.uid"};

    private final KubernetesClient client;
    private final long resyncMillis;
    private final ClusterIndex index;
    private final MeterRegistry registry;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<CompletableFuture<Void>> started = new ArrayList<>();
    private final List<Meter> meters;
    private final AtomicLong lastExpire = new AtomicLong(System.currentTimeMillis());

    private ClusterWatch(KubernetesClient client, ClusterIndex index, MeterRegistry registry, List<Meter> meters,
                         long resyncMillis) {
        this.resyncMillis = resyncMillis;
        this.client = client;
        this.index = index;
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * Starts the informers; returns at once (see {@link #synced()}, {@link #awaitSynced}). Their requests
     * are not retried by the client: each failed list, or watch refused at its start, reaches the informer,
     * which counts it ({@code watch.errors}) and lists again after its own backoff (1 s, doubling). The
     * client's retries would hide up to ~20 s of 429s, 500s or refused connections per failure from the
     * metrics. (A watch that breaks once established is re-opened by fabric8 itself, with backoff, and
     * never reaches the informer's handler: it is not an error here, but its re-open is in {@code watch.opens}.)
     * The informers get a client of their own, built from {@code base}'s configuration, closed by {@link #close}.
     */
    public static ClusterWatch start(KubernetesClient base, ClusterIndex index, MeterRegistry registry) {
        return start(base, index, registry, RESYNC_MILLIS);
    }

    /** {@link #start(KubernetesClient, ClusterIndex, MeterRegistry)} with another resync period (tests). */
    static ClusterWatch start(KubernetesClient base, ClusterIndex index, MeterRegistry registry, long resyncMillis) {
        List<Meter> meters = new CopyOnWriteArrayList<>();
        WatchOpens opens = new WatchOpens(resource -> counter(registry, meters, Counter.builder("dnsflow.kubernetes.watch.opens")
                .description("Kubernetes watch requests sent: the first and every re-open (server timeout, broken stream, re-list)")
                .tag("resource", resource)).increment());
        // a client of its own: the interceptor must be there when the HTTP client is built
        KubernetesClient client = new KubernetesClientBuilder().withConfig(KubeConfigs.withoutRetries(base.getConfiguration()))
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("dnsflow-watch-opens", opens)).build();
        ClusterWatch watch = new ClusterWatch(client, index, registry, meters, resyncMillis);
        try {
            // owners first: a pod listed after its ReplicaSet names its Deployment at once
            watch.watch("replicasets", client.apps().replicaSets().inAnyNamespace(), index::upsertReplicaSet,
                    index::removeReplicaSet);
            watch.watch("jobs", client.batch().v1().jobs().inAnyNamespace(), index::upsertJob, index::removeJob);
            watch.watch("nodes", client.nodes(), index::upsertNode, index::removeNode);
            watch.watch("services", client.services().inAnyNamespace(), index::upsertService, index::removeService);
            watch.watch("pods", client.pods().inAnyNamespace(), index::upsertPod, index::removePod);
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
    }

    private <T extends HasMetadata> void watch(String resource, Informable<T> informable, Consumer<T> upsert,
            Consumer<T> remove) {
        // lists in pages, as kubectl and client-go do: the first list of a 10 000-pod cluster in one answer held every
        // full Pod object at once (~110 MiB of heap, measured), before the store keeps only names
        SharedIndexInformer<T> informer = informable.withLimit(LIST_PAGE).runnableInformer(resyncMillis);
        ReducedStateItemStore<T> store = new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE,
                informer.getApiTypeClass(), client.getKubernetesSerialization(), KEPT);
        informer.itemStore(store);
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T object) {
                upsert.accept(object);
                maybeExpire();
            }

            @Override
            public void onUpdate(T before, T after) {
                if (before == after) {
                    return; // a resync: the cache's remnant of what the index already holds
                }
                upsert.accept(after);
                maybeExpire();
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                remove.accept(object);
            }
        });
        informer.exceptionHandler((isStarted, t) -> {
            counter(registry, meters, Counter.builder("dnsflow.kubernetes.watch.errors")
                    .description("Kubernetes list/watch failures (the informer retries)")
                    .tag("resource", resource).tag("reason", reason(t))).increment();
            return !ExceptionHandler.isDeserializationException(t);
        });
        meters.add(Gauge.builder("dnsflow.kubernetes.synced", informer, i -> i.hasSynced() ? 1 : 0)
                .description("1 once the informer has listed the resource").tag("resource", resource).register(registry));
        meters.add(Gauge.builder("dnsflow.kubernetes.objects", store, ReducedStateItemStore::size)
                .description("Objects in the informer's cache").tag("resource", resource).register(registry));
        informers.add(informer);
        started.add(informer.start().toCompletableFuture());
    }

    /** Registers (once) a counter that {@link #close()} removes. */
    private static Counter counter(MeterRegistry registry, List<Meter> meters, Counter.Builder builder) {
        Counter counter = builder.register(registry);
        if (!meters.contains(counter)) {
            meters.add(counter);
        }
        return counter;
    }

    /** A bounded label for a list/watch failure. */
    static String reason(Throwable t) {
        if (ExceptionHandler.isDeserializationException(t)) {
            return "unreadable";
        }
        // the informer hands over its own wrappers (completion, watcher): the first telling cause decides
        for (Throwable c = t; c != null; c = c.getCause()) {
            // a watch refused with 410 at its start arrives as a client exception, not a watcher's "gone"
            if (c instanceof WatcherException w && w.isHttpGone()
                    || c instanceof KubernetesClientException k && k.getCode() == HTTP_GONE) {
                return "gone";
            }
            if (c instanceof KubernetesClientException k && k.getCode() > 0) {
                return "http_" + k.getCode();
            }
            if (c instanceof IOException) {
                return "io";
            }
        }
        return "other";
    }

    private void maybeExpire() {
        long now = System.currentTimeMillis();
        long last = lastExpire.get();
        if (now - last >= EXPIRE_EVERY_MILLIS && lastExpire.compareAndSet(last, now)) {
            index.expire();
        }
    }

    public ClusterIndex index() {
        return index;
    }

    /** True once every informer has listed its resource. */
    public boolean synced() {
        for (SharedIndexInformer<?> informer : informers) {
            if (!informer.hasSynced()) {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #synced()}; false on timeout, throws if an informer could not start. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        try {
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a Kubernetes informer failed to start", e.getCause());
        }
    }

    /** Stops the informers, closes their client and removes the meters; the client given to {@link #start} stays open. */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
        client.close();
        meters.forEach(registry::remove);
        meters.clear();
    }
}
