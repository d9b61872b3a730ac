/**
 * record — hand finished flows from the event loops to the in-memory ring and the sinks, on the
 * recorder's own thread, through a bounded lock-free queue that drops (and counts) rather than
 * blocks. Each sink that may block gets flows through a bounded queue and a thread of its own, so a
 * stalled sink loses only its own flows. The ring keeps flows encoded ({@link dev.dnsflow.record.FlowCodec})
 * in one byte array, so held flows cost the collector nothing. Syntax: {@code --flow-buffer N} (default
 * 100000; 0 keeps none, and with no sink either the event loops build no flows). Metrics:
 * {@code dnsflow_flow_ring_size}, {@code dnsflow_flows_dropped_total{sink="recorder"}} (the hand-off),
 * {@code {sink="ring"}} (a flow the ring could not take) and {@code {sink="NAME"}} per sink (its queue full,
 * or its {@code accept} failed).
 */
package dev.dnsflow.record;
