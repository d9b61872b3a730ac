package dev.dnsflow.peers;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared plumbing for tests that talk to real DNS software (NSD, unbound, dnsdist, dig, ...).
 *
 * <p>Why: a developer laptop may lack the Debian packages, and such tests should then be
 * <em>skipped</em> with an actionable message rather than fail; in CI, where the packages are
 * installed on purpose, a missing peer must not silently turn the suite green, so setting
 * {@value #REQUIRE_ENV}{@code =1} turns every skip into a failure.
 */
public final class Peers {

    /** Environment variable that makes a missing peer a test failure instead of a skip. */
    public static final String REQUIRE_ENV = "DNSFLOW_REQUIRE_PEERS";

    /** Debian package providing each executable (executables not listed map to themselves). */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("nsd", "nsd"),
            Map.entry("unbound", "unbound"),
            Map.entry("dnsdist", "dnsdist"),
            Map.entry("dnsperf", "dnsperf"),
            Map.entry("dig", "dnsutils"),
            Map.entry("kdig", "knot-dnsutils"),
            Map.entry("dnstap", "golang-github-dnstap-golang-dnstap-cli"),
            Map.entry("fstrm_capture", "fstrm-bin"),
            Map.entry("promtool", "prometheus"),
            Map.entry("chroot", "coreutils"),
            Map.entry("unshare", "util-linux"),
            Map.entry("setpriv", "util-linux"));

    /** Searched after PATH: sbin is often missing from a non-root user's PATH. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/bin", "/sbin");

    private Peers() {
    }

    /**
     * Returns the absolute path of {@code executable}, or skips the current test if it is not
     * installed (fails it instead when {@value #REQUIRE_ENV}{@code =1}).
     */
    public static Path require(String executable) {
        return require(executable, System.getenv(REQUIRE_ENV));
    }

    /** The skip-or-fail decision with the environment value passed in, for testing. */
    static Path require(String executable, String requireEnvValue) {
        Optional<Path> found = find(executable);
        if (found.isPresent()) {
            return found.get();
        }
        String pkg = packageFor(executable);
        if ("1".equals(requireEnvValue)) {
            return Assertions.fail(executable + " not found: apt-get install -y " + pkg
                    + " (" + REQUIRE_ENV + "=1 makes missing peers fail)");
        }
        return Assumptions.abort("skipped: " + executable + " not installed (apt-get install -y " + pkg + ")");
    }

    /** The Debian package that provides {@code executable}. */
    static String packageFor(String executable) {
        return PACKAGES.getOrDefault(executable, executable);
    }

    /** Looks for an executable regular file on PATH, then in /usr/sbin, /usr/bin and /sbin. */
    static Optional<Path> find(String executable) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * A port on 127.0.0.1 that is currently free for both TCP and UDP (DNS peers listen on
     * both). Another process may still grab it before use; callers start their peer right away.
     */
    public static int freePort() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, loopback)) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                    return port;
                } catch (IOException udpTaken) {
                    // try another port
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot bind an ephemeral port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no port free for both TCP and UDP on 127.0.0.1 after 50 attempts");
    }

    /** Waits until something at {@code server} answers a DNS query over UDP. */
    public static void waitForDns(InetSocketAddress server, Duration timeout) {
        waitForDns(server, timeout, null, () -> "");
    }

    /**
     * Polls {@code server} with a UDP {@code . IN NS} query until any DNS reply (whatever its
     * rcode) comes back. Gives up early if {@code process} (may be null) exits, and includes
     * {@code log} (the peer's output) in the exception so a failed start explains itself.
     *
     * @throws IllegalStateException if the server did not answer within {@code timeout}
     */
    public static void waitForDns(InetSocketAddress server, Duration timeout, Process process,
                                  Supplier<String> log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(100);
            byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline) {
                if (process != null && !process.isAlive()) {
                    throw new IllegalStateException("peer at " + server + " exited with code "
                            + process.exitValue() + " before answering DNS; its log:\n" + log.get());
                }
                int id = ThreadLocalRandom.current().nextInt(0x10000);
                byte[] query = rootNsQuery(id);
                socket.send(new DatagramPacket(query, query.length, server));
                try {
                    DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                    socket.receive(reply);
                    if (isResponse(reply)) {
                        return; // any answer, even to an earlier probe that arrived late, means it is up
                    }
                } catch (SocketTimeoutException | java.net.PortUnreachableException notYet) {
                    // not listening yet
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot poll " + server + " for DNS", e);
        }
        throw new IllegalStateException("peer at " + server + " did not answer DNS within " + timeout
                + "; its log:\n" + log.get());
    }

    /** A minimal wire-format query for {@code . IN NS} with RD clear. */
    static byte[] rootNsQuery(int id) {
        return new byte[] {
            (byte) (id >>> 8), (byte) id, // id
            0, 0,                         // flags: standard query, RD clear
            0, 1, 0, 0, 0, 0, 0, 0,       // QDCOUNT 1
            0,                            // root name
            0, 2,                         // type NS
            0, 1,                         // class IN
        };
    }

    private static boolean isResponse(DatagramPacket reply) {
        return reply.getLength() >= 12 && (reply.getData()[2] & 0x80) != 0;
    }
}
