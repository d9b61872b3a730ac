package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A scripted Frame Streams reader on a unix socket, for the cases the real readers never
 * produce (an unknown control type, a content type mismatch). The test drives the conversation
 * step by step through {@link Connection}.
 */
final class FakeReader implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;

    FakeReader(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        server.configureBlocking(false);
    }

    /** Waits for the writer to connect. */
    Connection accept(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            SocketChannel channel = server.accept();
            if (channel != null) {
                channel.configureBlocking(true);
                return new Connection(channel);
            }
            Thread.sleep(10);
        }
        return fail("no connection on " + path + " within " + timeout);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }

    /** One accepted writer connection. */
    static final class Connection implements AutoCloseable {
        private final SocketChannel channel;
        final DataInputStream in;
        final DataOutputStream out;

        Connection(SocketChannel channel) {
            this.channel = channel;
            this.in = new DataInputStream(Channels.newInputStream(channel));
            this.out = new DataOutputStream(Channels.newOutputStream(channel));
        }

        ControlFrame readControl() throws IOException {
            return TestFrames.readControl(in);
        }

        void send(ControlFrame frame) throws IOException {
            out.write(frame.encode());
            out.flush();
        }

        /** Reads one data frame's payload (fails on a control frame). */
        byte[] readData() throws IOException {
            int length = in.readInt();
            if (length == 0) {
                fail("expected a data frame, got control frame " + TestFrames.readControlBody(in));
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
