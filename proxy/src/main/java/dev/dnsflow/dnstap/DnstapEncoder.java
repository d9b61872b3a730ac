package dev.dnsflow.dnstap;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketFamily;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Builds serialized {@code dnstap.Dnstap} payloads, one per DNS message, for
 * {@link FrameStreamsWriter#offer}.
 *
 * <p>Why a fluent entry rather than the generated builders directly: the dnstap conventions
 * (socket family implied by the address length, epoch nanoseconds split into seconds and a
 * fixed32 nanosecond part, identity and version on every record) are easy to get subtly wrong
 * at each call site. The encoder is immutable and thread-safe; an {@link Entry} belongs to one
 * thread. Byte arrays are wrapped, not copied, so they must not change until {@link Entry#encode}
 * returns. Typical use on the flow recorder thread:
 *
 * <pre>{@code
 * byte[] payload = encoder.message(Message.Type.FORWARDER_QUERY)
 *         .protocol(SocketProtocol.UDP)
 *         .queryAddress(localIp, localPort)
 *         .responseAddress(upstreamIp, 53)
 *         .queryTime(sentEpochNanos)
 *         .queryMessage(wireSentUpstream)
 *         .extra(flowIdBytes)
 *         .encode();
 * }</pre>
 */
public final class DnstapEncoder {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final ByteString identity;
    private final ByteString version;

    /**
     * @param identity the producer's name (e.g. the host name), or null to leave it out
     * @param version  the producer's software and version, or null to leave it out
     */
    public DnstapEncoder(byte[] identity, byte[] version) {
        this.identity = identity == null ? null : ByteString.copyFrom(identity);
        this.version = version == null ? null : ByteString.copyFrom(version);
    }

    /** An encoder whose identity and version are UTF-8 text (null leaves a field out). */
    public static DnstapEncoder of(String identity, String version) {
        return new DnstapEncoder(identity == null ? null : identity.getBytes(StandardCharsets.UTF_8),
                version == null ? null : version.getBytes(StandardCharsets.UTF_8));
    }

    /** Starts a record of one message: dnsflow emits CLIENT_* and FORWARDER_* types. */
    public Entry message(Message.Type type) {
        return new Entry(type);
    }

    /** The fields of one record; every setter is optional. */
    public final class Entry {
        private final Message.Builder message = Message.newBuilder();
        private ByteString extra;

        private Entry(Message.Type type) {
            message.setType(type);
        }

        /** UDP, TCP, DOT, ... as the message travelled. */
        public Entry protocol(SocketProtocol protocol) {
            message.setSocketProtocol(protocol);
            return this;
        }

        /** The querier's side: 4 or 16 raw address octets (network order) and its port. */
        public Entry queryAddress(byte[] address, int port) {
            message.setQueryAddress(address(address)).setQueryPort(port);
            return this;
        }

        /** The querier's side from a resolved socket address. */
        public Entry queryAddress(InetSocketAddress address) {
            return queryAddress(address.getAddress().getAddress(), address.getPort());
        }

        /** The responder's side: 4 or 16 raw address octets (network order) and its port. */
        public Entry responseAddress(byte[] address, int port) {
            message.setResponseAddress(address(address)).setResponsePort(port);
            return this;
        }

        /** The responder's side from a resolved socket address. */
        public Entry responseAddress(InetSocketAddress address) {
            return responseAddress(address.getAddress().getAddress(), address.getPort());
        }

        /** When the query was sent or received, in nanoseconds since the epoch. */
        public Entry queryTime(long epochNanos) {
            message.setQueryTimeSec(Math.floorDiv(epochNanos, NANOS_PER_SECOND))
                    .setQueryTimeNsec((int) Math.floorMod(epochNanos, NANOS_PER_SECOND));
            return this;
        }

        /** When the response was sent or received, in nanoseconds since the epoch. */
        public Entry responseTime(long epochNanos) {
            message.setResponseTimeSec(Math.floorDiv(epochNanos, NANOS_PER_SECOND))
                    .setResponseTimeNsec((int) Math.floorMod(epochNanos, NANOS_PER_SECOND));
            return this;
        }

        /** The query in DNS wire format, exactly as sent or received. */
        public Entry queryMessage(byte[] wire) {
            message.setQueryMessage(UnsafeByteOperations.unsafeWrap(wire));
            return this;
        }

        /** The response in DNS wire format, exactly as sent or received. */
        public Entry responseMessage(byte[] wire) {
            message.setResponseMessage(UnsafeByteOperations.unsafeWrap(wire));
            return this;
        }

        /** Free bytes for the reader: dnsflow's flow id, linking the four records of a flow. */
        public Entry extra(byte[] bytes) {
            extra = bytes == null ? null : UnsafeByteOperations.unsafeWrap(bytes);
            return this;
        }

        /** The serialized {@code dnstap.Dnstap}, one Frame Streams data frame's payload. */
        public byte[] encode() {
            Dnstap.Builder dnstap = Dnstap.newBuilder().setType(Dnstap.Type.MESSAGE).setMessage(message);
            if (identity != null) {
                dnstap.setIdentity(identity);
            }
            if (version != null) {
                dnstap.setVersion(version);
            }
            if (extra != null) {
                dnstap.setExtra(extra);
            }
            return dnstap.build().toByteArray();
        }

        /** Wraps an address and records its family, which both addresses of a record share. */
        private ByteString address(byte[] address) {
            SocketFamily family = switch (address.length) {
                case 4 -> SocketFamily.INET;
                case 16 -> SocketFamily.INET6;
                default -> throw new IllegalArgumentException(
                        "a dnstap address has 4 or 16 octets, not " + address.length);
            };
            if (message.hasSocketFamily() && message.getSocketFamily() != family) {
                throw new IllegalArgumentException("query and response addresses of one dnstap record mix "
                        + message.getSocketFamily() + " and " + family);
            }
            message.setSocketFamily(family);
            return UnsafeByteOperations.unsafeWrap(address);
        }
    }
}
