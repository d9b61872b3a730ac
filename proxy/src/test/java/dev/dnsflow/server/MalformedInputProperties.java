package dev.dnsflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.acl.AclStage;
import dev.dnsflow.acl.AllowList;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.format.FormatStage;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.pipeline.Pipeline;
import dev.dnsflow.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Whatever bytes arrive, nothing escapes the pipeline, nothing leaks, and every message is either
 * answered (with its own ID and QR set) or counted as a drop. Stages after format are absent here,
 * so well-formed queries fall through to the chain's SERVFAIL.
 */
class MalformedInputProperties {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("203.0.113.7", 40000);

    @Provide
    Arbitrary<byte[]> messages() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
        // Mostly-valid headers with one question make the interesting cases far more likely.
        Arbitrary<byte[]> nearlyValid = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(80).map(tail -> {
            byte[] m = new byte[12 + tail.length];
            m[0] = 0x12;
            m[1] = 0x34;
            m[2] = tail.length > 0 ? (byte) (tail[0] & 0x79) : 1;
            m[5] = 1;
            m[11] = (byte) (tail.length > 1 ? tail[1] & 1 : 0);
            System.arraycopy(tail, 0, m, 12, tail.length);
            return m;
        });
        // A PROXY v2 signature and header-ish bytes in front, for the header parser.
        Arbitrary<byte[]> proxied = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(80).map(tail -> {
            byte[] sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
            byte[] m = java.util.Arrays.copyOf(sig, sig.length + tail.length);
            System.arraycopy(tail, 0, m, sig.length, tail.length);
            return m;
        });
        return Arbitraries.oneOf(random, nearlyValid, proxied);
    }

    @Property(tries = 2000)
    void udpInputIsAnsweredOrCountedNeverThrown(@ForAll("messages") byte[] message, @ForAll boolean fromStranger) {
        ProxyMetrics metrics = ProxyMetrics.standalone();
        List<Flow> flows = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel();
        LoopContext loop = new LoopContext(channel.eventLoop(), 0, metrics, flows::add);
        Pipeline pipeline = new Pipeline(List.of(new AclStage(AllowList.defaults()), new FormatStage()));
        channel.pipeline().addLast(new UdpFrontend(new QueryIntake(loop, pipeline), AllowList.parse(List.of("127.0.0.1"))));

        channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(message), CLIENT, fromStranger ? STRANGER : CLIENT));
        channel.runPendingTasks();

        DatagramPacket reply = channel.readOutbound();
        double answered = metrics.total("dnsflow.responses");
        double dropped = metrics.total("dnsflow.drops");
        assertThat(metrics.total("dnsflow.queries")).isEqualTo(1.0);
        assertThat(answered + dropped).as("every message answered or dropped, exactly once").isEqualTo(1.0);
        if (reply != null) {
            try {
                ByteBuf r = reply.content();
                assertThat(answered).isEqualTo(1.0);
                assertThat(r.readableBytes()).isGreaterThanOrEqualTo(12);
                if (message[0] != 0x0D) { // behind a PROXY header the ID sits further in
                    assertThat(r.getUnsignedShort(0)).isEqualTo(((message[0] & 0xFF) << 8) | (message[1] & 0xFF));
                }
                assertThat(r.getByte(2) & 0x80).as("QR set").isNotZero();
                assertThat(flows).hasSize(1);
            } finally {
                reply.release();
            }
        } else {
            assertThat(dropped).isEqualTo(1.0);
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Property(tries = 500)
    void tcpStreamsOfAnyBytesNeverThrow(@ForAll("messages") byte[] first, @ForAll("messages") byte[] second) {
        ProxyMetrics metrics = ProxyMetrics.standalone();
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return CLIENT; // a TCP client has an IP address; EmbeddedChannel's default has none
            }
        };
        LoopContext loop = new LoopContext(channel.eventLoop(), 0, metrics, flow -> { });
        Pipeline pipeline = new Pipeline(List.of(new AclStage(AllowList.defaults()), new FormatStage()));
        channel.pipeline().addLast(new LengthFieldBasedFrameDecoder(65535, 0, 2, 0, 2), new LengthFieldPrepender(2),
                new TcpFrontend(new QueryIntake(loop, pipeline), 16));
        ByteBuf stream = Unpooled.buffer();
        stream.writeShort(first.length).writeBytes(first).writeBytes(second);
        channel.writeInbound(stream);
        channel.runPendingTasks();
        assertThat(metrics.total("dnsflow.responses") + metrics.total("dnsflow.drops"))
                .isEqualTo(metrics.total("dnsflow.queries"));
        assertThat(metrics.total("dnsflow.queries")).isGreaterThanOrEqualTo(1.0);
        channel.finishAndReleaseAll();
    }

    @AfterContainer
    static void noLeaks() throws InterruptedException {
        assertThat(LeakGuard.collect()).isEmpty();
    }
}
