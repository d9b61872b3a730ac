package dev.dnsflow.cli;

import dev.dnsflow.forward.Policy;
import dev.dnsflow.util.Ranges;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli adapters over {@link Values}; picocli reports their messages with the option's name. */
public final class Converters {
    private Converters() {
    }

    /** Runs a parser and turns its IllegalArgumentException into picocli's clean one-line error. */
    static <T> T clean(String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** {@code HOST[:PORT]}, port 53 unless given. */
    public static final class Upstream implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            return clean(value, v -> Values.hostPort(v, 53));
        }
    }

    /** {@code HOST:PORT}, the port is required. */
    public static final class Listen implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            if (!value.trim().matches(".*[^:]:\\d+")) {
                throw new TypeConversionException("'" + value + "': give HOST:PORT, e.g. 127.0.0.1:5353 or [::1]:5353");
            }
            return clean(value, v -> Values.hostPort(v, 0));
        }
    }

    public static final class Time implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return clean(value, Values::duration);
        }
    }

    public static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return clean(value, Values::size);
        }
    }

    /**
     * A count accepted only within a range; a bad value's message gives the range. The subclasses are
     * the ranges of {@code dnsflow proxy}'s flags (README: "Accepted ranges").
     */
    abstract static class CountWithin implements ITypeConverter<Integer> {
        private final long min;
        private final long max;

        CountWithin(int min, int max) {
            this.min = min;
            this.max = max;
        }

        @Override
        public Integer convert(String value) {
            return (int) (long) clean(value, v -> Ranges.within(v, Values::wholeNumber, min, max, String::valueOf));
        }
    }

    /** A duration accepted only within a range. */
    abstract static class TimeWithin implements ITypeConverter<Duration> {
        private final Duration min;
        private final Duration max;

        TimeWithin(String min, String max) {
            this.min = Values.duration(min);
            this.max = Values.duration(max);
        }

        @Override
        public Duration convert(String value) {
            return clean(value, v -> Ranges.within(v, Values::duration, min, max, Values::text));
        }
    }

    /** More event loops than this only contend for the cores; each one costs memory and sockets. */
    public static final class Threads extends CountWithin {
        public static final int MAX = 256;

        public Threads() {
            super(1, MAX);
        }
    }

    public static final class Timeout extends TimeWithin {
        public Timeout() {
            super("1ms", "60s");
        }
    }

    /** No DNS client waits a minute for an answer (CoreDNS gives up after 2s). */
    public static final class Deadline extends TimeWithin {
        public Deadline() {
            super("1ms", "60s");
        }
    }

    /** Kubernetes kills a pod 30 s after SIGTERM by default; a drain far past that is never seen through. */
    public static final class ShutdownGrace extends TimeWithin {
        public ShutdownGrace() {
            super("0", "5m");
        }
    }

    public static final class Attempts extends CountWithin {
        public Attempts() {
            super(1, 20);
        }
    }

    public static final class MaxFails extends CountWithin {
        public MaxFails() {
            super(1, 1000);
        }
    }

    public static final class HealthCheck extends TimeWithin {
        public HealthCheck() {
            super("10ms", "1m");
        }
    }

    public static final class SocketsPerUpstream extends CountWithin {
        public SocketsPerUpstream() {
            super(1, 64);
        }
    }

    public static final class SocketMaxAge extends TimeWithin {
        public SocketMaxAge() {
            super("1s", "24h");
        }
    }

    public static final class MaxTcpClients extends CountWithin {
        public MaxTcpClients() {
            super(1, 100_000);
        }
    }

    /** A client tells its outstanding queries apart by a 16-bit ID. */
    public static final class MaxPipelined extends CountWithin {
        public MaxPipelined() {
            super(1, 65_535);
        }
    }

    public static final class TcpIdle extends TimeWithin {
        public TcpIdle() {
            super("100ms", "1h");
        }
    }

    /** --metrics-name-label's CAP: series per name are what Prometheus pays for. */
    public static final class NameCap extends CountWithin {
        public NameCap() {
            super(0, 100_000);
        }
    }

    /** The flow log rotates at 1MB at the least: far above any one flow line, so a file holds many flows. */
    public static final class FlowLogMaxSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return clean(value, v -> Ranges.within(v, Values::size, 1L << 20, 100L << 30, Values::sizeText));
        }
    }

    /** At least one rotated file, so a rotation never throws away the flows just written. */
    public static final class FlowLogKeep extends CountWithin {
        public FlowLogKeep() {
            super(1, 1000);
        }
    }

    public static final class PolicyName implements ITypeConverter<Policy> {
        @Override
        public Policy convert(String value) {
            return clean(value, Policy::parse);
        }
    }
}
