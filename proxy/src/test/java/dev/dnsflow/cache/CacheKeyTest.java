package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** The key read from the question's bytes in one copy, whatever buffer holds them: case folded in the labels only. */
class CacheKeyTest {

    @Test
    void aNameInAnyCaseAndAnyBufferGivesOneKey() {
        String label = "Web-" + "Z".repeat(59); // the longest label: a length byte of 63
        CacheKey lower = key(Wire.bytes(Wire.query(label.toLowerCase() + ".example.com.", Type.A, 1)), false);
        CacheKey upper = key(Wire.bytes(Wire.query(label + ".EXAMPLE.com.", Type.A, 2)), true);

        assertThat(upper).isEqualTo(lower).hasSameHashCodeAs(lower);
        assertThat(upper.nameLength()).isEqualTo(1 + 63 + 1 + 7 + 1 + 3 + 1);
    }

    private static CacheKey key(byte[] query, boolean pooled) {
        ByteBuf b = pooled ? PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(query)
                : Unpooled.wrappedBuffer(query);
        try {
            ParsedQuery parsed = new ParsedQuery();
            QueryParser.parse(b, parsed);
            return CacheKey.of(b, parsed);
        } finally {
            b.release();
        }
    }
}
