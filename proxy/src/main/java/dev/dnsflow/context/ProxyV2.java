package dev.dnsflow.context;

import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Addresses;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The PROXY protocol v2 header (haproxy's spec, as dnsdist's {@code useProxyProtocol} sends it) in
 * front of a DNS message: a 12-byte signature, version/command, family/protocol, length, the source and
 * destination addresses and ports, then TLVs we skip. Accepted only from trusted senders
 * ({@code --proxy-protocol-from}); the caller decides that.
 */
public final class ProxyV2 {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final int FIXED = 16;

    private ProxyV2() {
    }

    /** The parsed header: its total length, and the origin (null for a LOCAL command or unknown family). */
    public record Header(int length, Origin origin, InetAddress address) {
    }

    /** Whether the readable bytes start with the PROXY v2 signature. */
    public static boolean startsWithSignature(ByteBuf m) {
        if (m.readableBytes() < SIGNATURE.length) {
            return false;
        }
        int at = m.readerIndex();
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (m.getByte(at + i) != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses the header at the reader index without consuming it.
     *
     * @return the header, or null when more bytes are needed (TCP)
     * @throws IllegalArgumentException when it is not a valid v2 header
     */
    public static Header parse(ByteBuf m) {
        if (m.readableBytes() < FIXED) {
            return null;
        }
        if (!startsWithSignature(m)) {
            throw new IllegalArgumentException("no PROXY v2 signature");
        }
        int at = m.readerIndex();
        int versionCommand = m.getUnsignedByte(at + 12);
        if (versionCommand >> 4 != 2) {
            throw new IllegalArgumentException("PROXY protocol version " + (versionCommand >> 4) + ", expected 2");
        }
        int familyProtocol = m.getUnsignedByte(at + 13);
        int length = FIXED + m.getUnsignedShort(at + 14);
        if (m.readableBytes() < length) {
            return null;
        }
        int command = versionCommand & 0x0F;
        int family = familyProtocol >> 4;
        int protocol = familyProtocol & 0x0F;
        if (command == 0 || family == 0) {
            return new Header(length, null, null); // LOCAL (health checks) or UNSPEC: no client to report
        }
        int size = family == 1 ? 4 : family == 2 ? 16 : 0;
        if (size == 0 || length < FIXED + 2 * size + 4) {
            throw new IllegalArgumentException("PROXY v2 address block too short or unknown family " + family);
        }
        byte[] source = new byte[size];
        m.getBytes(at + FIXED, source);
        int sourcePort = m.getUnsignedShort(at + FIXED + 2 * size);
        Transport transport = protocol == 1 ? Transport.TCP : protocol == 2 ? Transport.UDP : null;
        try {
            return new Header(length, new Origin(Addresses.text(source), sourcePort, transport, "proxy-v2", null, null, null),
                    InetAddress.getByAddress(source));
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
