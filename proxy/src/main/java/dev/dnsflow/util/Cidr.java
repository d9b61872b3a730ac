package dev.dnsflow.util;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a /32 or /128. */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final int v4Network;
    private final int v4Mask;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
        this.v4Mask = network.length == 4 && prefix > 0 ? -1 << (32 - prefix) : 0;
        this.v4Network = network.length == 4 ? toInt(network) & v4Mask : 0;
    }

    /** @throws IllegalArgumentException naming the bad text, for CLI and config errors */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (host.isEmpty() || !host.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("not an IP address or CIDR range: '" + text + "'");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(host).getAddress(); // numeric only: checked above
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address or CIDR range: '" + text + "'", e);
        }
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'", e);
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length in '" + text + "' must be 0.." + max);
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(address, prefix, s);
    }

    public boolean contains(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address.hashCode() is the address itself: no copy of the bytes per packet.
            return network.length == 4 && (address.hashCode() & v4Mask) == v4Network;
        }
        if (network.length != 16) {
            return false;
        }
        byte[] bytes = address.getAddress();
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        return rest == 0 || ((bytes[full] ^ network[full]) & (0xFF00 >>> rest)) == 0;
    }

    private static int toInt(byte[] b) {
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    @Override
    public String toString() {
        return text;
    }
}
