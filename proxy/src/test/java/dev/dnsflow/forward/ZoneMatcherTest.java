package dev.dnsflow.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ZoneMatcherTest {
    private static final List<String> ZONES = List.of("cluster.local", "in-addr.arpa.", "svc.cluster.local", "ARPA", "x.y");

    private final ZoneMatcher matcher = new ZoneMatcher(ZONES.stream()
            .map(z -> ForwardZone.wire(ForwardZone.normalize(z))).toList());

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "cluster.local., cluster.local.",
        "kube-dns.kube-system.svc.cluster.local., svc.cluster.local.",
        "SVC.Cluster.LOCAL., svc.cluster.local.",
        "a.b.cluster.local., cluster.local.",
        "notcluster.local., none",               // label boundary: not a suffix of a label
        "xcluster.local., none",
        "local., none",
        "10.0.96.10.in-addr.arpa., in-addr.arpa.",
        "1.0.0.0.ip6.arpa., arpa.",
        "example.com., none",
        "., none",
        "y., none",
        "a.x.y., x.y.",
        "x.y.cluster.local., cluster.local.",    // the zone at the end of the name counts, not one inside it
    })
    void longestZoneSuffixWins(String name, String expected) {
        ByteBuf m = query(name);
        try {
            int at = matcher.match(m, 12, m.writerIndex() - 4);
            assertEquals(expected, at < 0 ? "none" : ForwardZone.normalize(ZONES.get(at)));
        } finally {
            m.release();
        }
    }

    @Test
    void compressedNameMatchesNothing() {
        ByteBuf m = Unpooled.buffer().writeZero(12).writeByte(0xC0).writeByte(12).writeShort(1).writeShort(1);
        try {
            assertEquals(-1, matcher.match(m, 12, 14));
        } finally {
            m.release();
        }
    }

    @Test
    void zoneNamesAreNormalizedAndChecked() {
        InetSocketAddress u = new InetSocketAddress("127.0.0.1", 53);
        assertEquals("cluster.local.", new ForwardZone("Cluster.Local", List.of(u), false).zone());
        assertEquals(".", new ForwardZone(".", List.of(u), true).zone());
        assertThrows(IllegalArgumentException.class, () -> new ForwardZone("a..b", List.of(u), false));
        assertThrows(IllegalArgumentException.class, () -> new ForwardZone("a b", List.of(u), false));
        assertThrows(IllegalArgumentException.class, () -> new ForwardZone("x".repeat(64) + ".com", List.of(u), false));
        assertThrows(IllegalArgumentException.class, () -> new ForwardZone("example.com", List.of(), false));
    }

    /** A query's bytes: header, the name in wire form, QTYPE A, QCLASS IN. */
    private static ByteBuf query(String name) {
        ByteBuf m = Unpooled.buffer().writeZero(12);
        if (!name.equals(".")) {
            for (String label : name.substring(0, name.length() - 1).split("\\.")) {
                m.writeByte(label.length()).writeBytes(label.getBytes(StandardCharsets.US_ASCII));
            }
        }
        return m.writeByte(0).writeShort(1).writeShort(1);
    }
}
