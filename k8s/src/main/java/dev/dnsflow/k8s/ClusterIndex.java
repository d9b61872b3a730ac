package dev.dnsflow.k8s;

import dev.dnsflow.k8s.K8sObject.Owner;
import dev.dnsflow.k8s.K8sObject.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.net.InetAddress;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;

/**
 * IP address → {@link K8sObject}: pods (by {@code status.podIPs}, IPv4 and IPv6), Services (by
 * every cluster IP) and nodes (by InternalIP), as of a point in time.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code hostNetwork} pods share their node's address and are never indexed: the IP is the node.
 *   <li>Pods that finished (phase Succeeded or Failed) have given their IP back and are not indexed.
 *   <li>IP reuse: an object that lost an address (deleted, finished) keeps resolving for lookups
 *       timed before the loss, for {@link #DELETED_GRACE_MILLIS}; an object resolves for lookups
 *       timed from its creation on. A flow resolves by the time it started.
 *   <li>A pod's workload is the owner a person would name: ReplicaSet → its Deployment, Job → its
 *       CronJob (when they have one), any other owner as is. ReplicaSets and Jobs are fed in by
 *       their own informers ({@link #upsertReplicaSet}, {@link #upsertJob}); a pod seen before its
 *       ReplicaSet names the ReplicaSet until the ReplicaSet arrives.
 * </ul>
 *
 * <p>Threads: updates (informer callbacks) serialise on a lock; {@link #lookup} is an optimistic read
 * of an open-addressing table keyed by the 128 address bits, allocation-free when the address is
 * text or IPv4 (an {@link java.net.Inet6Address} copies its 16 bytes). Only the fields a flow shows
 * are kept, names of namespaces, nodes and kinds shared.
 */
public final class ClusterIndex {
    /** How long an address stays with the object that lost it, for lookups timed before the loss. */
    public static final long DELETED_GRACE_MILLIS = 120_000;

    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[2]);

    /** What an object is indexed under: its addresses as (high, low) pairs. */
    private record Indexed(K8sObject object, long since, long[] keys) {
    }

    private final LongSupplier clock;
    private final StampedLock lock = new StampedLock();
    private final AddressHistory addresses = new AddressHistory();
    private final Map<String, Indexed> indexed = new HashMap<>(); // under the write lock
    private final Map<String, Owner> owners = new ConcurrentHashMap<>(); // "ns/Kind/name" of ReplicaSets and Jobs
    private final Map<String, String> shared = new ConcurrentHashMap<>(); // namespaces, nodes, kinds

    public ClusterIndex() {
        this(System::currentTimeMillis);
    }

    /** @param clock epoch millis: when an update happens (deletion times, creation times in the future) */
    public ClusterIndex(LongSupplier clock) {
        this.clock = clock;
    }

    // ------------------------------------------------------------------------------------ lookups

    /** What {@code ip} (text, IPv4 or IPv6) was at {@code atEpochMillis}; null if unknown or unreadable. */
    public K8sObject lookup(String ip, long atEpochMillis) {
        long[] key = SCRATCH.get();
        if (ip == null || !IpKey.parse(ip, key)) {
            return null;
        }
        return lookup(key[0], key[1], atEpochMillis);
    }

    /** What {@code ip} was at {@code atEpochMillis}; null if unknown. */
    public K8sObject lookup(InetAddress ip, long atEpochMillis) {
        long[] key = SCRATCH.get();
        if (ip == null || !IpKey.of(ip, key)) {
            return null;
        }
        return lookup(key[0], key[1], atEpochMillis);
    }

    private K8sObject lookup(long hi, long lo, long at) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            K8sObject found = addresses.find(hi, lo, at);
            if (lock.validate(stamp)) {
                return found;
            }
        }
        stamp = lock.readLock();
        try {
            return addresses.find(hi, lo, at);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** How many objects are indexed by at least one address (deleted ones in their grace not counted). */
    public int size() {
        long stamp = lock.readLock();
        try {
            return indexed.size();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ------------------------------------------------------------------------------------ updates

    public void upsertPod(Pod pod) {
        ObjectMeta m = pod.getMetadata();
        String key = key(K8sObject.POD, m);
        PodSpec spec = pod.getSpec();
        PodStatus status = pod.getStatus();
        boolean hostNetwork = spec != null && Boolean.TRUE.equals(spec.getHostNetwork());
        String phase = status == null ? null : status.getPhase();
        List<String> ips = new ArrayList<>(2);
        if (!hostNetwork && status != null && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
            if (status.getPodIPs() != null) {
                for (PodIP ip : status.getPodIPs()) {
                    ips.add(ip.getIp());
                }
            }
            if (ips.isEmpty()) {
                ips.add(status.getPodIP());
            }
        }
        long[] keys = keys(ips);
        if (keys.length == 0) {
            unbind(key);
            return;
        }
        String namespace = share(m.getNamespace());
        K8sObject object = new K8sObject(K8sObject.POD, namespace, m.getName(),
                share(spec == null ? null : spec.getNodeName()), owner(namespace, m.getOwnerReferences()));
        bind(key, object, since(m), keys);
    }

    public void removePod(Pod pod) {
        unbind(key(K8sObject.POD, pod.getMetadata()));
    }

    public void upsertService(Service service) {
        ObjectMeta m = service.getMetadata();
        List<String> ips = new ArrayList<>(2);
        if (service.getSpec() != null) {
            List<String> clusterIps = service.getSpec().getClusterIPs();
            if (clusterIps != null && !clusterIps.isEmpty()) {
                ips.addAll(clusterIps);
            } else {
                ips.add(service.getSpec().getClusterIP());
            }
        }
        String key = key(K8sObject.SERVICE, m);
        long[] keys = keys(ips);
        if (keys.length == 0) {
            unbind(key);
            return;
        }
        bind(key, new K8sObject(K8sObject.SERVICE, share(m.getNamespace()), m.getName(), null, null), since(m), keys);
    }

    public void removeService(Service service) {
        unbind(key(K8sObject.SERVICE, service.getMetadata()));
    }

    public void upsertNode(Node node) {
        ObjectMeta m = node.getMetadata();
        List<String> ips = new ArrayList<>(2);
        if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
            for (NodeAddress address : node.getStatus().getAddresses()) {
                if ("InternalIP".equals(address.getType())) {
                    ips.add(address.getAddress());
                }
            }
        }
        String key = key(K8sObject.NODE, m);
        long[] keys = keys(ips);
        if (keys.length == 0) {
            unbind(key);
            return;
        }
        bind(key, new K8sObject(K8sObject.NODE, null, share(m.getName()), null, null), since(m), keys);
    }

    public void removeNode(Node node) {
        unbind(key(K8sObject.NODE, node.getMetadata()));
    }

    /** A ReplicaSet's pods name its Deployment (if it has one). */
    public void upsertReplicaSet(ReplicaSet replicaSet) {
        resolve(replicaSet, "ReplicaSet", "Deployment");
    }

    public void removeReplicaSet(ReplicaSet replicaSet) {
        owners.remove(ownerKey(replicaSet.getMetadata().getNamespace(), "ReplicaSet", replicaSet.getMetadata().getName()));
    }

    /** A Job's pods name its CronJob (if it has one). */
    public void upsertJob(Job job) {
        resolve(job, "Job", "CronJob");
    }

    public void removeJob(Job job) {
        owners.remove(ownerKey(job.getMetadata().getNamespace(), "Job", job.getMetadata().getName()));
    }

    /** Forgets addresses whose grace after a deletion has passed (updates do it for the addresses they touch). */
    public void expire() {
        long now = clock.getAsLong();
        long stamp = lock.writeLock();
        try {
            addresses.expire(now);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    // ------------------------------------------------------------------------------------ internals

    private void resolve(HasMetadata object, String kind, String parentKind) {
        ObjectMeta m = object.getMetadata();
        OwnerReference parent = controller(m.getOwnerReferences());
        Workload workload = parent != null && parentKind.equals(parent.getKind())
                ? new Workload(parentKind, parent.getName())
                : new Workload(kind, m.getName());
        Owner owner = owners.computeIfAbsent(ownerKey(m.getNamespace(), kind, m.getName()), k -> new Owner(workload));
        if (!workload.equals(owner.workload)) {
            owner.workload = workload;
        }
    }

    private Owner owner(String namespace, List<OwnerReference> references) {
        OwnerReference ref = controller(references);
        if (ref == null || ref.getKind() == null || ref.getName() == null) {
            return null;
        }
        String kind = share(ref.getKind());
        String name = ref.getName();
        if (kind.equals("ReplicaSet") || kind.equals("Job")) {
            return owners.computeIfAbsent(ownerKey(namespace, kind, name), k -> new Owner(new Workload(kind, name)));
        }
        return new Owner(new Workload(kind, name));
    }

    /** The controlling owner, else the first. */
    private static OwnerReference controller(List<OwnerReference> references) {
        if (references == null || references.isEmpty()) {
            return null;
        }
        for (OwnerReference ref : references) {
            if (Boolean.TRUE.equals(ref.getController())) {
                return ref;
            }
        }
        return references.get(0);
    }

    private static String ownerKey(String namespace, String kind, String name) {
        return namespace + "/" + kind + "/" + name;
    }

    private static String key(String kind, ObjectMeta m) {
        return m.getUid() != null ? kind + "/" + m.getUid() : kind + "/" + m.getNamespace() + "/" + m.getName();
    }

    private String share(String s) {
        if (s == null) {
            return null;
        }
        String before = shared.putIfAbsent(s, s);
        return before == null ? s : before;
    }

    private long since(ObjectMeta m) {
        long now = clock.getAsLong();
        String created = m.getCreationTimestamp();
        if (created == null) {
            return now;
        }
        try {
            return Math.min(Instant.parse(created).toEpochMilli(), now);
        } catch (DateTimeParseException e) {
            return now;
        }
    }

    /** Readable, distinct addresses as (high, low) pairs; "None" (headless) and blanks skipped. */
    private static long[] keys(List<String> ips) {
        long[] keys = new long[ips.size() * 2];
        long[] k = new long[2];
        int n = 0;
        for (String ip : ips) {
            if (ip == null || ip.isEmpty() || ip.equals("None") || !IpKey.parse(ip, k) || contains(keys, n, k[0], k[1])) {
                continue;
            }
            keys[n++] = k[0];
            keys[n++] = k[1];
        }
        return n == keys.length ? keys : java.util.Arrays.copyOf(keys, n);
    }

    private static boolean contains(long[] keys, int n, long hi, long lo) {
        for (int i = 0; i < n; i += 2) {
            if (keys[i] == hi && keys[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    private void bind(String key, K8sObject object, long since, long[] keys) {
        long now = clock.getAsLong();
        long stamp = lock.writeLock();
        try {
            Indexed before = indexed.put(key, new Indexed(object, since, keys));
            if (before != null) {
                for (int i = 0; i < before.keys.length; i += 2) {
                    if (!contains(keys, keys.length, before.keys[i], before.keys[i + 1])) {
                        addresses.end(before.keys[i], before.keys[i + 1], before.object, now);
                    }
                }
            }
            for (int i = 0; i < keys.length; i += 2) {
                long hi = keys[i];
                long lo = keys[i + 1];
                boolean kept = before != null && contains(before.keys, before.keys.length, hi, lo);
                addresses.hold(hi, lo, object, since, kept ? before.object : null, now);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void unbind(String key) {
        long now = clock.getAsLong();
        long stamp = lock.writeLock();
        try {
            Indexed before = indexed.remove(key);
            if (before != null) {
                for (int i = 0; i < before.keys.length; i += 2) {
                    addresses.end(before.keys[i], before.keys[i + 1], before.object, now);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}
