/**
 * dnstap — dnsflow's DNS messages as dnstap records over Frame Streams, for any dnstap reader.
 *
 * <p>{@link dev.dnsflow.dnstap.DnstapEncoder} turns one message into a serialized
 * {@code dnstap.Dnstap} (classes generated from {@code src/main/proto/dnstap.proto} into
 * {@code dev.dnsflow.dnstap.proto}); {@link dev.dnsflow.dnstap.FrameStreamsWriter} sends those
 * payloads to {@code --dnstap unix:PATH|tcp:HOST:PORT|file:PATH} from its own thread, dropping
 * and counting rather than ever blocking the caller.
 */
package dev.dnsflow.dnstap;
