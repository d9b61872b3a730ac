/**
 * log — write flows as JSON lines (the flow record's contract form), to stdout or a size-rotated file.
 *
 * <p>Syntax: {@code --flow-log PATH|-} [{@code --flow-log-max-size 100MB}] [{@code --flow-log-keep 3}].
 * Metric: {@code dnsflow_flows_dropped_total{sink="log"}}: flows lost when the writer (its own thread and
 * queue) falls behind, or a write fails.
 */
package dev.dnsflow.log;
