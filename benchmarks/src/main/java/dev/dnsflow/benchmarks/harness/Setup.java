package dev.dnsflow.benchmarks.harness;

import java.net.InetSocketAddress;

/**
 * One thing measured: a name, where dnsperf sends to, the process whose CPU and memory are
 * charged to it (NSD itself for the direct setup), and how it was configured, for the report.
 */
record Setup(String name, InetSocketAddress address, ChildProcess process, String description) {
    static final String DIRECT = "nsd-direct";
    static final String FLOW_ON = "dnsflow-rec-on";
    static final String FLOW_OFF = "dnsflow-rec-off";
    static final String DNSDIST = "dnsdist-default";
    static final String DNSDIST_TUNED = "dnsdist-tuned";

    boolean isDirect() {
        return DIRECT.equals(name);
    }
}
