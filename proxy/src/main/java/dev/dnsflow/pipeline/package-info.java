/**
 * The query path: an {@link dev.dnsflow.pipeline.Exchange} per client query passes through the
 * {@link dev.dnsflow.pipeline.Stage}s assembled in {@code DnsProxy.stages} (acl → format → forward;
 * client context, chaos and cache slot in before forward). Each stage answers or passes on; the
 * exchange completes once, sending the answer and recording the flow.
 */
package dev.dnsflow.pipeline;
