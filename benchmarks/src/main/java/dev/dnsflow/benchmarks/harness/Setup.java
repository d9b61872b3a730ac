package dev.dnsflow.benchmarks.harness;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One thing measured: a name, where dnsperf sends to, the process whose CPU and memory are
 * charged to it (NSD itself for the direct setup), and how it was configured, for the report.
 */
record Setup(String name, InetSocketAddress address, ChildProcess process, String description) {
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
    /** Every setup, in the order each round measures them; {@code --setups} picks some (NSD direct always). */
    static final List<String> ALL = List.of(DIRECT, FLOW_ON, NAMES_ON, FLOW_LOG, FLOW_OFF, DNSDIST, DNSDIST_TUNED);

    /** How much a dnsflow setup records. */
    enum Recording {
        OFF, RING, RING_AND_LOG
    }

    boolean isDirect() {
        return DIRECT.equals(name);
    }
}
