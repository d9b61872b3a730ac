package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.testing.Eventually;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The writer against files and a scripted reader; the real readers are in {@link DnstapPeersTest}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameStreamsWriterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aFileGetsStartEveryFrameInOrderThenStop() throws Exception {
        Path file = dir.resolve("out.fstrm");
        List<byte[]> offered = new ArrayList<>();
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("file:" + file)) {
            for (int n = 0; n < 50; n++) {
                offered.add(TestFrames.forwarderQuery(n));
                assertThat(writer.offer(offered.get(n))).isTrue();
            }
            // one frame larger than the writer's batch buffer goes out on its own
            offered.add(new byte[300_000]);
            assertThat(writer.offer(offered.get(50))).isTrue();
            await(() -> writer.written() == 51, "all frames written");
        }
        List<byte[]> frames;
        try (InputStream in = Files.newInputStream(file)) {
            frames = TestFrames.readStream(in);
        }
        assertThat(frames).hasSize(51);
        for (int n = 0; n < 50; n++) {
            assertThat(frames.get(n)).containsExactly(offered.get(n));
            assertThat(Dnstap.parseFrom(frames.get(n)).getExtra().toStringUtf8()).isEqualTo("flow-" + n);
        }
        assertThat(frames.get(50)).hasSize(300_000);
    }

    @Test
    void aFullQueueDropsAndCountsWithoutBlockingWhileTheReaderIsAbsent() throws Exception {
        AtomicLong callbacks = new AtomicLong();
        Destination nowhere = Destination.parse("unix:" + dir.resolve("nobody-listens.sock"));
        FrameStreamsWriter writer = new FrameStreamsWriter(nowhere, 100, callbacks::incrementAndGet);
        byte[] payload = TestFrames.forwarderQuery(1);
        for (int i = 0; i < 100; i++) {
            assertThat(writer.offer(payload)).isTrue();
        }
        int extra = 200_000;
        long[] nanos = new long[extra];
        for (int i = 0; i < extra; i++) {
            long t0 = System.nanoTime();
            boolean accepted = writer.offer(payload);
            nanos[i] = System.nanoTime() - t0;
            assertThat(accepted).isFalse();
        }
        long averageNanos = LongStream.of(nanos).sum() / extra;
        Arrays.sort(nanos);
        long p99 = nanos[extra * 99 / 100];

        assertThat(writer.dropped()).isEqualTo(extra);
        assertThat(callbacks.get()).isEqualTo(extra);
        assertThat(writer.connected()).isFalse();
        assertThat(writer.lastError()).contains("nobody-listens.sock");
        // microseconds, not the writer's 2 s I/O timeout; no bound on the single slowest call, which
        // a GC pause or a descheduled thread on a busy 2-core machine can stretch to 100 ms
        assertThat(averageNanos).as("average offer() on a full queue, ns").isLessThan(5_000);
        assertThat(p99).as("99th percentile offer() on a full queue, ns (slowest: %d)", nanos[extra - 1])
                .isLessThan(50_000);

        writer.close();
        assertThat(writer.written() + writer.dropped()).as("every offered frame accounted for").isEqualTo(100 + extra);
    }

    @Test
    void emptyOversizedAndLateFramesAreDroppedNotThrown() throws Exception {
        FrameStreamsWriter writer = FrameStreamsWriter.open("file:" + dir.resolve("d.fstrm"));
        assertThat(writer.offer(null)).isFalse();
        assertThat(writer.offer(new byte[0])).isFalse();
        assertThat(writer.offer(new byte[FrameStreamsWriter.MAX_FRAME_BYTES + 1])).isFalse();
        assertThat(writer.offer(new byte[FrameStreamsWriter.MAX_FRAME_BYTES])).isTrue();
        writer.close();
        assertThat(writer.offer(TestFrames.forwarderQuery(1))).isFalse();
        assertThat(writer.dropped()).isEqualTo(4);
        assertThat(writer.written()).isEqualTo(1);
    }

    @Test
    void theWriterThreadIsANamedDaemon() throws Exception {
        try (FrameStreamsWriter writer = FrameStreamsWriter.open("file:" + dir.resolve("t.fstrm"))) {
            await(writer::connected, "file opened");
            Thread thread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals(FrameStreamsWriter.THREAD_NAME)).findFirst().orElseThrow();
            assertThat(thread.isDaemon()).isTrue();
        }
    }

    @Test
    void theSocketHandshakeIsReadyAcceptStartAndUnknownControlTypesAreIgnored() throws Exception {
        Path socket = dir.resolve("fake.sock");
        try (FakeReader reader = new FakeReader(socket);
             FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket);
             FakeReader.Connection conn = reader.accept(WAIT)) {
            assertThat(conn.readControl()).isEqualTo(ControlFrame.dnstap(ControlFrame.READY));
            conn.send(ControlFrame.dnstap(42));
            conn.send(ControlFrame.dnstap(ControlFrame.ACCEPT));
            assertThat(conn.readControl()).isEqualTo(ControlFrame.dnstap(ControlFrame.START));
            await(writer::connected, "handshake done");

            writer.offer(TestFrames.forwarderQuery(7));
            assertThat(Dnstap.parseFrom(conn.readData()).getExtra().toStringUtf8()).isEqualTo("flow-7");

            Thread closer = new Thread(writer::close);
            closer.start();
            assertThat(conn.readControl()).isEqualTo(ControlFrame.bare(ControlFrame.STOP));
            conn.send(ControlFrame.bare(ControlFrame.FINISH));
            closer.join(WAIT.toMillis());
            assertThat(closer.isAlive()).isFalse();
            assertThat(writer.written()).isEqualTo(1);
            assertThat(writer.dropped()).isZero();
        }
    }

    @Test
    void anAcceptWithoutContentTypeMatchesAnyType() throws Exception {
        Path socket = dir.resolve("any.sock");
        try (FakeReader reader = new FakeReader(socket);
             FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket);
             FakeReader.Connection conn = reader.accept(WAIT)) {
            conn.readControl();
            conn.send(ControlFrame.bare(ControlFrame.ACCEPT));
            assertThat(conn.readControl().type()).isEqualTo(ControlFrame.START);
            await(writer::connected, "handshake done");
        }
    }

    @Test
    void aReaderAcceptingAnotherContentTypeIsRefusedAndRetriedLater() throws Exception {
        Path socket = dir.resolve("other.sock");
        try (FakeReader reader = new FakeReader(socket);
             FrameStreamsWriter writer = FrameStreamsWriter.open("unix:" + socket)) {
            try (FakeReader.Connection conn = reader.accept(WAIT)) {
                conn.readControl();
                conn.send(new ControlFrame(ControlFrame.ACCEPT, List.of("protobuf:other.Type")));
                assertThat(conn.in.read()).as("the writer hangs up instead of sending START").isEqualTo(-1);
            }
            await(() -> writer.lastError() != null, "the refusal recorded");
            assertThat(writer.connected()).isFalse();
            assertThat(writer.lastError()).contains("protobuf:other.Type").contains("protobuf:dnstap.Dnstap");
            try (FakeReader.Connection again = reader.accept(WAIT)) {
                assertThat(again.readControl()).isEqualTo(ControlFrame.dnstap(ControlFrame.READY));
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Eventually.await(condition, WAIT, what);
    }
}
