package dev.dnsflow.flow;

/**
 * The query as received. {@code name} is null when the question could not be read (a FORMERR'd
 * query); {@code ednsSize} is 0 without an OPT record.
 */
public record QueryInfo(int id, String name, int type, int dclass, boolean rd, boolean cd,
                        boolean dnssecOk, int ednsSize, int size) {
}
