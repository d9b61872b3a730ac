package dev.dnsflow.forward;

import java.time.Duration;

/**
 * How the forward stage behaves; validated here so the CLI and tests get the same errors.
 *
 * @param timeout            one attempt's wait for an answer
 * @param deadline           the whole query's budget: SERVFAIL is sent before it passes
 * @param maxAttempts        attempts per query at most (0: max(3, number of upstreams))
 * @param socketsPerUpstream UDP sockets per upstream and event loop (source-port diversity)
 * @param socketMaxAge       a UDP socket is replaced after this long (stale conntrack entries)
 * @param maxFails           consecutive failures before an upstream is marked down
 * @param healthCheckEvery   how often a down upstream is probed with {@code . IN NS}
 * @param tcpOnTruncation    retry a truncated UDP answer over TCP ourselves
 * @param tcpIdle            an idle upstream TCP connection is closed after this long
 */
public record ForwardOptions(Duration timeout, Duration deadline, Policy policy, int maxAttempts,
                             int socketsPerUpstream, Duration socketMaxAge, int maxFails,
                             Duration healthCheckEvery, boolean tcpOnTruncation, Duration tcpIdle) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(700);
    /** Below CoreDNS's 2 s read timeout, so CoreDNS receives our SERVFAIL instead of silence. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMillis(1800);

    public ForwardOptions {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be positive");
        }
        if (deadline.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("--deadline (" + deadline.toMillis() + "ms) must not be shorter than --timeout ("
                    + timeout.toMillis() + "ms)");
        }
        if (socketsPerUpstream < 1 || socketsPerUpstream > 64) {
            throw new IllegalArgumentException("sockets per upstream must be 1..64");
        }
        if (maxFails < 1) {
            throw new IllegalArgumentException("--max-fails must be at least 1");
        }
    }

    public static ForwardOptions defaults() {
        return new ForwardOptions(DEFAULT_TIMEOUT, DEFAULT_DEADLINE, Policy.RANDOM, 0, 2, Duration.ofSeconds(60), 3,
                Duration.ofMillis(500), false, Duration.ofSeconds(10));
    }

    public ForwardOptions withTimeouts(Duration timeout, Duration deadline) {
        return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                healthCheckEvery, tcpOnTruncation, tcpIdle);
    }

    public ForwardOptions withPolicy(Policy policy) {
        return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                healthCheckEvery, tcpOnTruncation, tcpIdle);
    }

    public ForwardOptions withTcpOnTruncation(boolean on) {
        return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                healthCheckEvery, on, tcpIdle);
    }

    public ForwardOptions withHealth(int maxFails, Duration healthCheckEvery) {
        return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                healthCheckEvery, tcpOnTruncation, tcpIdle);
    }

    public ForwardOptions withSockets(int socketsPerUpstream, Duration socketMaxAge) {
        return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                healthCheckEvery, tcpOnTruncation, tcpIdle);
    }

    int attemptsFor(int upstreams) {
        return maxAttempts > 0 ? maxAttempts : Math.max(3, upstreams);
    }
}
