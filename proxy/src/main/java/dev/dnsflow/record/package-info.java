/**
 * record — hand finished flows from the event loops to the in-memory ring and the sinks, on the
 * recorder's own thread, through a bounded lock-free queue that drops (and counts) rather than
 * blocks. Syntax: {@code --flow-buffer N} (default 100000). Metrics: {@code dnsflow_flow_ring_size},
 * {@code dnsflow_flows_dropped_total{sink="recorder"}}.
 */
package dev.dnsflow.record;
