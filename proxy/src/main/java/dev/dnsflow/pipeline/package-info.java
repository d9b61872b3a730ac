/**
 * The query path: an {@link dev.dnsflow.pipeline.Exchange} per client query passes through the
 * {@link dev.dnsflow.pipeline.Stage}s in the order the proxy's plan declares. On the way in each stage
 * answers or passes on; the answer then goes back through the earlier stages that act on answers (a
 * cache stores, chaos holds back or discards) and out to the client. The exchange completes once,
 * sending the answer and recording the flow. Work a stage defers re-enters through the pipeline's
 * guard, so nothing escapes unanswered.
 */
package dev.dnsflow.pipeline;
