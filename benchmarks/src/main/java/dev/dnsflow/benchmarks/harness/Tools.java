package dev.dnsflow.benchmarks.harness;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** Finding the peer executables, their versions, free loopback ports, and waiting for a DNS server. */
final class Tools {
    /** Debian package of each executable the harness needs. */
    static final Map<String, String> PACKAGES = Map.of("nsd", "nsd", "dnsdist", "dnsdist", "dnsperf", "dnsperf");
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/bin", "/sbin");

    private Tools() {
    }

    /** An executable on PATH or in /usr/sbin, /usr/bin, /sbin. */
    static Optional<Path> find(String executable) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            Path candidate = dir.isEmpty() ? null : Path.of(dir, executable);
            if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** The first line of a command's output that contains {@code marker} (or the first line). */
    static String versionLine(String marker, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out.lines().filter(l -> l.contains(marker)).findFirst()
                    .or(() -> out.lines().findFirst()).orElse("?").trim();
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** A port on 127.0.0.1 free for both TCP and UDP right now. */
    static int freePort() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, loopback)) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1");
    }

    /**
     * Polls {@code server} with {@code example.com. A} until it answers, the process exits, or the
     * timeout passes (then throws with the process's output).
     */
    static void waitForDns(InetSocketAddress server, long timeoutMs, ChildProcess process) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(100);
            byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(process + " exited before answering DNS:\n" + process.tail(30));
                }
                int id = ThreadLocalRandom.current().nextInt(0x10000);
                byte[] query = QueryMix.encode(id, "example.com", 1);
                socket.send(new DatagramPacket(query, query.length, server));
                try {
                    DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                    socket.receive(reply);
                    byte[] d = reply.getData();
                    if (reply.getLength() >= 12 && (((d[0] & 0xff) << 8) | (d[1] & 0xff)) == id && (d[3] & 0x0f) == 0) {
                        return;
                    }
                } catch (SocketTimeoutException | PortUnreachableException notYet) {
                    // not listening (or not forwarding) yet
                }
            }
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot poll " + server, e);
        }
        throw new IllegalStateException(process + " did not answer DNS at " + server + " within "
                + timeoutMs + " ms:\n" + process.tail(30));
    }
}
