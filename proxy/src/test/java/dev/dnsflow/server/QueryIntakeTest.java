package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Transport;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** The one place both frontends hand messages to: what it tells them to do, and what it counts. */
class QueryIntakeTest {
    private final ProxyMetrics metrics = ProxyMetrics.standalone();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final LoopContext loop = new LoopContext(channel.eventLoop(), 0, metrics, flow -> { });
    private final QueryIntake intake = new QueryIntake(loop, new Pipeline(List.of()));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private QueryIntake.Admission admit(Transport transport, ByteBuf message) {
        return intake.admit(transport, message, new ParsedQuery(), System.nanoTime());
    }

    @Test
    void aQueryIsCountedAndLeftToTheFrontendToServe() {
        ByteBuf query = Wire.buf(Wire.query("example.com.", Type.AAAA, 1));
        try {
            assertThat(admit(Transport.TCP, query)).isEqualTo(QueryIntake.Admission.SERVE);
            assertThat(query.refCnt()).as("still the frontend's").isEqualTo(1);
        } finally {
            query.release();
        }
        assertThat(metrics.count("dnsflow.queries", "transport", "tcp", "type", "AAAA")).isEqualTo(1.0);
        assertThat(metrics.total("dnsflow.drops")).isZero();
    }

    @Test
    void aMessageWithoutAnIdIsMalformedGarbageThatClosesATcpStream() {
        ByteBuf oneByte = Wire.buf(0x12);
        assertThat(admit(Transport.TCP, oneByte)).isEqualTo(QueryIntake.Admission.GARBAGE);
        assertThat(oneByte.refCnt()).isZero();
        assertThat(metrics.count("dnsflow.malformed", "transport", "tcp")).isEqualTo(1.0);
        assertThat(metrics.count("dnsflow.drops", "reason", "too_short")).isEqualTo(1.0);
        assertThat(metrics.total("dnsflow.queries")).isEqualTo(1.0);
    }

    @Test
    void aResponseSentAsAQueryIsDroppedAsMalformed() {
        Message response = Wire.query("example.com.", Type.A, 2);
        response.getHeader().setFlag(Flags.QR);
        ByteBuf message = Wire.buf(response);
        assertThat(admit(Transport.UDP, message)).isEqualTo(QueryIntake.Admission.DROPPED);
        assertThat(message.refCnt()).isZero();
        assertThat(metrics.count("dnsflow.malformed", "transport", "udp")).isEqualTo(1.0);
        assertThat(metrics.count("dnsflow.drops", "reason", "response_as_query")).isEqualTo(1.0);
    }

    @Test
    void afterShutdownsGraceAQueryIsDroppedButNotMalformed() {
        loop.stopTakingQueries();
        ByteBuf query = Wire.buf(Wire.query("example.com.", Type.A, 3));
        assertThat(admit(Transport.UDP, query)).isEqualTo(QueryIntake.Admission.DROPPED);
        assertThat(query.refCnt()).isZero();
        assertThat(metrics.count("dnsflow.drops", "reason", QueryIntake.SHUTTING_DOWN)).isEqualTo(1.0);
        assertThat(metrics.total("dnsflow.malformed")).isZero();
        assertThat(metrics.total("dnsflow.queries")).isEqualTo(1.0);
    }

    @Test
    void aRefusedProxyHeaderCountsAsAMalformedQueryWithoutAType() {
        ByteBuf message = Wire.buf(0x0D, 0x0A);
        intake.refuse(Transport.UDP, message, "proxy_untrusted", System.nanoTime());
        assertThat(message.refCnt()).isZero();
        assertThat(metrics.count("dnsflow.queries", "transport", "udp")).isEqualTo(1.0);
        assertThat(metrics.count("dnsflow.malformed", "transport", "udp")).isEqualTo(1.0);
        assertThat(metrics.count("dnsflow.drops", "reason", "proxy_untrusted")).isEqualTo(1.0);
    }
}
