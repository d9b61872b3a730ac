package dev.dnsflow.acl;

import dev.dnsflow.util.Cidr;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/** The client ranges dnsflow serves. */
public final class AllowList {
    /** Loopback, RFC 1918, link-local and unique-local: where CoreDNS and pods live. */
    public static final List<String> DEFAULT_RANGES = List.of(
            "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
            "::1/128", "fe80::/10", "fc00::/7");

    private final Cidr[] ranges;

    public AllowList(List<Cidr> ranges) {
        this.ranges = ranges.toArray(new Cidr[0]);
    }

    public static AllowList parse(List<String> ranges) {
        return new AllowList(ranges.stream().map(Cidr::parse).toList());
    }

    public static AllowList defaults() {
        return parse(DEFAULT_RANGES);
    }

    public boolean allows(InetAddress address) {
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return Arrays.toString(ranges);
    }
}
