package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.ControlFrame;
import dev.dnsflow.dnstap.FrameStreamsWriter;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.peers.Peers;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener under connections that never become producers (issue #11): they cost no thread, the ones over
 * the limit are closed at once, the ones that never finish the handshake are closed after its timeout, and
 * a real producer gets through afterwards. Every closed connection is counted by reason.
 */
class FrameStreamsReceiverLimitsTest {
    private final List<byte[]> frames = new CopyOnWriteArrayList<>();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Socket> sockets = new ArrayList<>();
    private FrameStreamsReceiver receiver;
    private InetSocketAddress address;

    private void start(int maxConnections, Duration handshakeTimeout) {
        receiver = new FrameStreamsReceiver("tcp:127.0.0.1:0", frames::add,
                new FrameStreamsReceiver.Limits(maxConnections, handshakeTimeout), registry);
        address = (InetSocketAddress) receiver.address();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(address, 2000);
        return s;
    }

    private double rejected(String reason) {
        return registry.get("dnsflow.dnstap.in.connections.rejected").tag("reason", reason).counter().count();
    }

    /** Whether the server has closed {@code s}: end of stream or reset within {@code waitMillis}; false on a timeout. */
    private static boolean closedByServer(Socket s, int waitMillis) throws IOException {
        s.setSoTimeout(waitMillis);
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** Waits until the listener has given back the slots of the connections the client saw closed (just after). */
    private void awaitOpenConnections(int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (registry.get("dnsflow.dnstap.in.connections").gauge().value() != n && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(registry.get("dnsflow.dnstap.in.connections").gauge().value()).as("open producer connections").isEqualTo(n);
    }

    private static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    @Test
    void idleConnectionsCostNoThreadThoseOverTheLimitAreClosedAtOnceAndARealProducerGetsThroughAfterwards(
            @TempDir Path dir) throws Exception {
        Path dnstap = Peers.require("dnstap");
        Path file = dnstapFile(dir, 3);
        start(64, Duration.ofMillis(1500));
        int threadsBefore = liveThreads();

        for (int i = 0; i < 300; i++) {
            connect();
        }

        // Well within the handshake timeout: only the connections over the limit may be closed yet.
        Set<Socket> closed = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        while (closed.size() < 236 && System.nanoTime() < deadline) {
            for (Socket s : sockets) {
                if (!closed.contains(s) && closedByServer(s, 1)) {
                    closed.add(s);
                }
            }
        }
        assertThat(liveThreads() - threadsBefore).as("threads added by 300 connections").isLessThan(5);
        assertThat(closed).as("connections over the limit of 64, closed by the server at once").hasSize(236);
        assertThat(rejected("limit")).isEqualTo(236);

        // The 64 idle ones are closed after the handshake timeout, so a real producer finds a free slot.
        for (Socket s : sockets) {
            assertThat(closedByServer(s, 3000)).isTrue();
        }
        assertThat(rejected("handshake_timeout")).isEqualTo(64);
        awaitOpenConnections(0);
        Process writer = new ProcessBuilder(dnstap.toString(), "-r", file.toString(), "-T", "127.0.0.1:" + address.getPort())
                .redirectErrorStream(true).start();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (frames.size() < 3 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(frames).as("frames from `dnstap -T`").hasSize(3);
        } finally {
            writer.destroy();
            writer.waitFor(2, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConnectionThatDoesNotCompleteTheHandshakeIsClosedAfterTheTimeoutButAnIdleProducerStays() throws Exception {
        start(64, Duration.ofMillis(300));
        long t0 = System.nanoTime();
        Socket silent = connect();
        Socket halfway = connect();
        sendReady(halfway);
        Socket producer = connect();
        handshake(producer);

        assertThat(closedByServer(silent, 3000)).as("a connection that sends nothing is closed").isTrue();
        assertThat(closedByServer(halfway, 3000)).as("READY and ACCEPT, but no START: closed").isTrue();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).as("ms from connecting to closed, with a 300 ms timeout").isBetween(290L, 2000L);
        assertThat(rejected("handshake_timeout")).isEqualTo(2);

        Thread.sleep(300); // idle after START is fine: CoreDNS may have nothing to say
        assertThat(closedByServer(producer, 1)).as("the producer that sent START is still connected").isFalse();
        frame(producer, new byte[] {7});
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (frames.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(frames).singleElement().satisfies(f -> assertThat(f).containsExactly(7));
        awaitOpenConnections(1);
    }

    @Test
    void rejectedConnectionsAreCountedByReason() throws Exception {
        start(2, Duration.ofSeconds(5));
        Socket oversized = connect();
        handshake(oversized);
        new DataOutputStream(oversized.getOutputStream()).writeInt(FrameStreamsReceiver.MAX_FRAME + 1);
        Socket stranger = connect();
        stranger.getOutputStream().write(new ControlFrame(ControlFrame.READY, List.of("protobuf:other.Type")).encode());

        assertThat(closedByServer(oversized, 3000)).isTrue();
        assertThat(closedByServer(stranger, 3000)).isTrue();
        assertThat(rejected("oversized")).isEqualTo(1);
        assertThat(rejected("protocol")).isEqualTo(1);
        assertThat(rejected("limit")).isZero();
        awaitOpenConnections(0);
        assertThat(registry.scrape()).as("/metrics")
                .contains("dnsflow_dnstap_in_connections_rejected_total{reason=\"oversized\"} 1.0")
                .contains("dnsflow_dnstap_in_connections_rejected_total{reason=\"limit\"} 0.0")
                .contains("dnsflow_dnstap_in_connections 0.0");
    }

    @Test
    void theLimitHoldsOnUnixSocketsToo(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("dnstap.sock");
        receiver = new FrameStreamsReceiver("unix:" + path, frames::add,
                new FrameStreamsReceiver.Limits(1, Duration.ofSeconds(5)), registry);
        try (SocketChannel first = SocketChannel.open(UnixDomainSocketAddress.of(path));
             SocketChannel second = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            ByteBuffer one = ByteBuffer.allocate(1);
            assertThat(second.read(one)).as("the second producer, over a limit of 1, is closed").isEqualTo(-1);
            first.write(ByteBuffer.wrap(ControlFrame.dnstap(ControlFrame.READY).encode()));
            ByteBuffer accept = ByteBuffer.allocate(ControlFrame.dnstap(ControlFrame.ACCEPT).encode().length);
            while (accept.hasRemaining() && first.read(accept) >= 0) {
                // until the whole ACCEPT is in
            }
            assertThat(accept.array()).isEqualTo(ControlFrame.dnstap(ControlFrame.ACCEPT).encode());
            first.write(ByteBuffer.wrap(ControlFrame.dnstap(ControlFrame.START).encode()));
            first.write(ByteBuffer.allocate(5).putInt(1).put((byte) 9).flip());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (frames.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        assertThat(frames).singleElement().satisfies(f -> assertThat(f).containsExactly(9));
        assertThat(rejected("limit")).isEqualTo(1);
    }

    /** READY, then reads the ACCEPT. */
    private static DataInputStream sendReady(Socket s) throws IOException {
        s.getOutputStream().write(ControlFrame.dnstap(ControlFrame.READY).encode());
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertThat(in.readInt()).as("control escape").isZero();
        byte[] accept = in.readNBytes(in.readInt());
        assertThat(ControlFrame.decode(ByteBuffer.wrap(accept)).type()).isEqualTo(ControlFrame.ACCEPT);
        return in;
    }

    private static void handshake(Socket s) throws IOException {
        sendReady(s);
        s.getOutputStream().write(ControlFrame.dnstap(ControlFrame.START).encode());
    }

    private static void frame(Socket s, byte[] payload) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    /** A Frame Streams file of {@code n} CLIENT_QUERY messages, for `dnstap -r` to send. */
    private static Path dnstapFile(Path dir, int n) {
        Path file = dir.resolve("taps.fstrm");
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("file:" + file)) {
            for (int i = 0; i < n; i++) {
                writer.offer(Dnstap.newBuilder().setType(Dnstap.Type.MESSAGE)
                        .setMessage(Message.newBuilder().setType(Message.Type.CLIENT_QUERY).setQueryPort(40000 + i))
                        .build().toByteArray());
            }
        }
        return file;
    }
}
