package dev.dnsflow.cli;

import dev.dnsflow.forward.Policy;
import java.net.InetSocketAddress;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** picocli adapters over {@link Values}; picocli reports their messages with the option's name. */
public final class Converters {
    private Converters() {
    }

    /** {@code HOST[:PORT]}, port 53 unless given. */
    public static final class Upstream implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            return Values.hostPort(value, 53);
        }
    }

    /** {@code HOST:PORT}, the port is required. */
    public static final class Listen implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            if (!value.trim().matches(".*[^:]:\\d+")) {
                throw new IllegalArgumentException("'" + value + "': give HOST:PORT, e.g. 127.0.0.1:5353 or [::1]:5353");
            }
            return Values.hostPort(value, 0);
        }
    }

    public static final class Time implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Values.duration(value);
        }
    }

    public static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Values.size(value);
        }
    }

    public static final class PolicyName implements ITypeConverter<Policy> {
        @Override
        public Policy convert(String value) {
            return Policy.parse(value);
        }
    }
}
