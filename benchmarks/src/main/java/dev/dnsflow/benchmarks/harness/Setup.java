package dev.dnsflow.benchmarks.harness;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Stream;

/**
 * One thing measured: a name, where dnsperf sends to, the process whose CPU and memory are
 * charged to it (NSD itself for the direct setup), how it was configured, for the report, and for
 * a cache, where its hit and miss counters are read (null: not read).
 */
record Setup(String name, InetSocketAddress address, ChildProcess process, String description, CacheCounters cache) {
    static final String DIRECT = "nsd-direct";
    /** dnsflow as users run it: the default 100 000-flow ring, the admin API up. */
    static final String FLOW_ON = "dnsflow-rec-on";
    /** The same plus every flow written to a JSON-lines log file. */
    static final String FLOW_LOG = "dnsflow-rec-on+log";
    /** No ring, no sink, admin off: the event loops build no flows at all. */
    static final String FLOW_OFF = "dnsflow-rec-off";
    static final String DNSDIST = "dnsdist-default";
    static final String DNSDIST_TUNED = "dnsdist-tuned";
    /** Recording on, naming every flow's pods from an API server holding 10 000 pods ({@link MockCluster}). */
    static final String NAMES_ON = "dnsflow-names-on";
    /** Recording on, every flow exported as a trace over OTLP ({@code --otlp-sample 1.0}) to a receiver that discards it. */
    static final String OTLP_ALL = "dnsflow-otlp-1.0";
    /** The same, keeping 1 % of ordinary flows (failed and slow ones are always kept). */
    static final String OTLP_SAMPLED = "dnsflow-otlp-0.01";
    /** Every setup measured by default, in the order each round measures them; {@code --setups} picks some (NSD direct always). */
    static final List<String> ALL = List.of(DIRECT, FLOW_ON, NAMES_ON, FLOW_LOG, OTLP_ALL, OTLP_SAMPLED, FLOW_OFF, DNSDIST,
            DNSDIST_TUNED);

    /** {@code dnsflow nodelocal} as users run it (its cache on with the template's sizes, recording on), admin API up. */
    static final String NODELOCAL_CACHE = "dnsflow-nodelocal-cache";
    /** dnsdist tuned, plus a 10 000-entry packet cache as its docs set one up. */
    static final String DNSDIST_CACHE = "dnsdist-packetcache";
    /** unbound as a forwarding cache to NSD (no validator, QNAME minimisation off). */
    static final String UNBOUND_CACHE = "unbound-cache";
    /** The caches: measured with {@code --mix cache-hit} only, and by default with it. */
    static final List<String> CACHES = List.of(NODELOCAL_CACHE, DNSDIST_CACHE, UNBOUND_CACHE);
    /** Every setup {@code --setups} knows, in the rounds' order. */
    static final List<String> KNOWN = Stream.concat(ALL.stream(), CACHES.stream()).toList();

    Setup(String name, InetSocketAddress address, ChildProcess process, String description) {
        this(name, address, process, description, null);
    }

    /** How much a dnsflow setup records. */
    enum Recording {
        OFF, RING, RING_AND_LOG
    }

    boolean isDirect() {
        return DIRECT.equals(name);
    }

    /** A cache's cumulative hit and miss counts, read from the running process between runs. */
    interface CacheCounters {
        /** {hits, misses} so far, or null when they cannot be read now. */
        long[] read();
    }
}
