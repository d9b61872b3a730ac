package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.dnstap.ControlFrame;
import dev.dnsflow.peers.Peers;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver as a Frame Streams producer (CoreDNS, unbound, dnsdist) sees it, misbehaving ones included. */
class FrameStreamsReceiverTest {
    private final List<byte[]> frames = new CopyOnWriteArrayList<>();
    private FrameStreamsReceiver receiver;
    private int port;

    @BeforeEach
    void start() throws Exception {
        receiver = new FrameStreamsReceiver("tcp:127.0.0.1:0", frames::add);
        port = ((InetSocketAddress) receiver.address()).getPort();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    /** READY → expects ACCEPT, then START. */
    private static DataInputStream handshake(Socket s) throws Exception {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.write(ControlFrame.dnstap(ControlFrame.READY).encode());
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertThat(in.readInt()).as("control escape").isZero();
        byte[] accept = in.readNBytes(in.readInt());
        assertThat(ControlFrame.decode(java.nio.ByteBuffer.wrap(accept)).type()).isEqualTo(ControlFrame.ACCEPT);
        out.write(ControlFrame.dnstap(ControlFrame.START).encode());
        return in;
    }

    private static void frame(Socket s, byte[] payload) throws Exception {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    private void awaitFrames(int n) throws InterruptedException {
        long until = System.currentTimeMillis() + 5000;
        while (frames.size() < n && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
    }

    @Test
    void acceptsSeveralProducersAtOnceAndAnswersStopWithFinish() throws Exception {
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            handshake(a);
            DataInputStream bIn = handshake(b);
            frame(a, new byte[] {1});
            frame(b, new byte[] {2});
            frame(a, new byte[] {3});
            new DataOutputStream(b.getOutputStream()).write(ControlFrame.bare(ControlFrame.STOP).encode());
            assertThat(bIn.readInt()).isZero();
            byte[] finish = bIn.readNBytes(bIn.readInt());
            assertThat(ControlFrame.decode(java.nio.ByteBuffer.wrap(finish)).type()).isEqualTo(ControlFrame.FINISH);
            awaitFrames(3);
        }
        assertThat(frames).extracting(f -> f[0]).containsExactlyInAnyOrder((byte) 1, (byte) 2, (byte) 3);
    }

    @Test
    void takesFramesUpToOneMebibyte() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            handshake(s);
            frame(s, new byte[FrameStreamsReceiver.MAX_FRAME]);
            awaitFrames(1);
        }
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).hasSize(FrameStreamsReceiver.MAX_FRAME);
    }

    @Test
    void aProducerDisconnectingMidFrameHarmsNobodyElse() throws Exception {
        try (Socket good = new Socket("127.0.0.1", port)) {
            handshake(good);
            try (Socket bad = new Socket("127.0.0.1", port)) {
                handshake(bad);
                DataOutputStream out = new DataOutputStream(bad.getOutputStream());
                out.writeInt(1000);
                out.write(new byte[10]); // then vanish
            }
            try (Socket huge = new Socket("127.0.0.1", port)) {
                handshake(huge);
                new DataOutputStream(huge.getOutputStream()).writeInt(FrameStreamsReceiver.MAX_FRAME + 1);
                assertThat(huge.getInputStream().read()).as("an oversized frame ends that connection").isEqualTo(-1);
            }
            frame(good, new byte[] {42});
            awaitFrames(1);
        }
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)[0]).isEqualTo((byte) 42);
        assertThat(receiver.received()).isEqualTo(1);
    }

    @Test
    void refusesToReplaceARegularFileAtItsSocketPath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("important.txt"), "keep me");
        assertThatThrownBy(() -> new FrameStreamsReceiver("unix:" + file, f -> { })).hasMessageContaining("not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
        assertThatThrownBy(() -> new FrameStreamsReceiver("file:/tmp/x", f -> { })).hasMessageContaining("--dnstap-listen");
    }

    /**
     * CoreDNS, in its own container of the pod, connects to the socket as its own uid (root, 65532 or another) and
     * connecting needs write permission on the socket file: not left to dnsflow's umask (022 makes it 0755).
     */
    @Test
    void itsUnixSocketIsWritableByEveryone(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("dnstap.sock");
        try (FrameStreamsReceiver unix = new FrameStreamsReceiver("unix:" + socket, frames::add)) {
            assertThat(Files.getPosixFilePermissions(socket)).contains(
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        }
    }

    /** The same, as it happens in a pod: a process of another uid and group connects (needs root for setpriv). */
    @Test
    void anotherUserCanConnectToItsUnixSocket(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "skipped: setpriv to another uid needs root");
        Path setpriv = Peers.require("setpriv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // as an emptyDir is
        Path socket = dir.resolve("dnstap.sock");
        Path classes = Path.of(UnixConnectProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try (FrameStreamsReceiver unix = new FrameStreamsReceiver("unix:" + socket, frames::add)) {
            Process probe = new ProcessBuilder(setpriv.toString(), "--reuid=12345", "--regid=12345", "--clear-groups",
                    java.toString(), "-Xshare:off", "-cp", classes.toString(), UnixConnectProbe.class.getName(),
                    socket.toString()).redirectErrorStream(true).start();
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).as("uid 12345 connecting to " + socket).contains("connected");
            assertThat(probe.exitValue()).as(output).isZero();
        }
    }
}
