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
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("--attempts must not be negative");
        }
        if (maxFails < 1) {
            throw new IllegalArgumentException("--max-fails must be at least 1");
        }
    }

    public static ForwardOptions defaults() {
        return new ForwardOptions(DEFAULT_TIMEOUT, DEFAULT_DEADLINE, Policy.RANDOM, 0, 2, Duration.ofSeconds(60), 3,
                Duration.ofMillis(500), false, Duration.ofSeconds(10));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some options and keeps the rest. */
    public static final class Builder {
        private Duration timeout;
        private Duration deadline;
        private Policy policy;
        private int maxAttempts;
        private int socketsPerUpstream;
        private Duration socketMaxAge;
        private int maxFails;
        private Duration healthCheckEvery;
        private boolean tcpOnTruncation;
        private Duration tcpIdle;

        private Builder(ForwardOptions o) {
            timeout = o.timeout;
            deadline = o.deadline;
            policy = o.policy;
            maxAttempts = o.maxAttempts;
            socketsPerUpstream = o.socketsPerUpstream;
            socketMaxAge = o.socketMaxAge;
            maxFails = o.maxFails;
            healthCheckEvery = o.healthCheckEvery;
            tcpOnTruncation = o.tcpOnTruncation;
            tcpIdle = o.tcpIdle;
        }

        public Builder timeouts(Duration timeout, Duration deadline) {
            this.timeout = timeout;
            this.deadline = deadline;
            return this;
        }

        public Builder policy(Policy policy) {
            this.policy = policy;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder sockets(int perUpstream, Duration maxAge) {
            this.socketsPerUpstream = perUpstream;
            this.socketMaxAge = maxAge;
            return this;
        }

        public Builder health(int maxFails, Duration checkEvery) {
            this.maxFails = maxFails;
            this.healthCheckEvery = checkEvery;
            return this;
        }

        public Builder tcpOnTruncation(boolean on) {
            this.tcpOnTruncation = on;
            return this;
        }

        public ForwardOptions build() {
            return new ForwardOptions(timeout, deadline, policy, maxAttempts, socketsPerUpstream, socketMaxAge, maxFails,
                    healthCheckEvery, tcpOnTruncation, tcpIdle);
        }
    }

    int attemptsFor(int upstreams) {
        return maxAttempts > 0 ? maxAttempts : Math.max(3, upstreams);
    }
}
