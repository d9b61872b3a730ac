package dev.dnsflow.flow;

/**
 * One try at an upstream. {@code id} is the message ID dnsflow put on the wire; {@code rttMicros}
 * is the time to the answer, or until the attempt was given up.
 */
public record Attempt(String upstream, Transport transport, int id, long sentEpochNanos,
                      long rttMicros, AttemptOutcome outcome) {
}
