package dev.dnsflow.flow;

/**
 * The chaos rule that touched a flow, and what it did. {@code delayMicros} is the injected delay for
 * the delay actions, 0 otherwise.
 */
public record ChaosMark(String rule, String action, long delayMicros) {
}
