package dev.dnsflow.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real dnsdist in front of one backend (usually dnsflow), standing in for CoreDNS, which has no
 * Debian package: {@code dnsdist --supervised} as a child process on a free 127.0.0.1 port, its Lua
 * config and output in a private temp dir.
 *
 * <pre>{@code
 * DnsdistServer d = DnsdistServer.start(proxy.address());                  // plain forwarding
 * DnsdistServer d = DnsdistServer.forwardingTo(proxy.address())
 *         .serverOption("useClientSubnet=true").ecsSourcePrefixes(32, 128)  // ECS with the whole address
 *         .dnstap(socket, "dnsdist-test")                                   // or any .lua(...) lines
 *         .start();
 * }</pre>
 *
 * <p>The backend is forced up ({@code setUp()}): dnsdist 1.7 ignores {@code healthCheckMode="up"} (it
 * came in 1.8) and would otherwise health-check it with {@code a.root-servers.net. A}, which a test
 * may drop or count. dnsdist answers {@link Peers#waitForDns}'s probe ({@code . NS} with RD clear)
 * itself (REFUSED), so waiting for it to come up sends nothing to the backend; every query the
 * backend sees is the test's.
 *
 * <p>Stopped by {@link #close()} and by a shutdown hook (see {@link ChildProcess}).
 */
public final class DnsdistServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final ChildProcess process;
    private final InetSocketAddress address;

    private DnsdistServer(Path dir, ChildProcess process, InetSocketAddress address) {
        this.dir = dir;
        this.process = process;
        this.address = address;
    }

    /** Starts dnsdist forwarding everything to {@code backend}. Skips the test if dnsdist is not installed. */
    public static DnsdistServer start(InetSocketAddress backend) {
        return forwardingTo(backend).start();
    }

    /** A dnsdist forwarding everything to {@code backend}, with options to set before {@link Builder#start()}. */
    public static Builder forwardingTo(InetSocketAddress backend) {
        return new Builder(backend);
    }

    /** What the config says besides the listen address and the backend's. */
    public static final class Builder {
        private final InetSocketAddress backend;
        private final List<String> serverOptions = new ArrayList<>();
        private final List<String> lua = new ArrayList<>();

        private Builder(InetSocketAddress backend) {
            this.backend = backend;
        }

        /**
         * A field of the backend's {@code newServer} table: {@code "useClientSubnet=true"} (ECS with the
         * client's address), {@code "useProxyProtocol=true"} (a PROXY v2 header in front of each query), ...
         */
        public Builder serverOption(String field) {
            serverOptions.add(field);
            return this;
        }

        /** ECS source prefix lengths ({@code setECSSourcePrefixV4/V6}); dnsdist's defaults are 24 and 56. */
        public Builder ecsSourcePrefixes(int v4, int v6) {
            return lua("setECSSourcePrefixV4(" + v4 + ")", "setECSSourcePrefixV6(" + v6 + ")");
        }

        /**
         * Logs client queries and responses as dnstap to the Frame Streams unix socket {@code socket},
         * under {@code identity}. The socket must be listening before {@link #start()}.
         */
        public Builder dnstap(Path socket, String identity) {
            return lua("fsl = newFrameStreamUnixLogger(\"" + socket + "\")",
                    "addAction(AllRule(), DnstapLogAction(\"" + identity + "\", fsl))",
                    "addResponseAction(AllRule(), DnstapLogResponseAction(\"" + identity + "\", fsl))");
        }

        /** Lua config lines, in order, after the backend (the backend is the local {@code backend}). */
        public Builder lua(String... lines) {
            lua.addAll(List.of(lines));
            return this;
        }

        /**
         * Starts dnsdist and waits until it answers.
         *
         * @throws IllegalStateException with dnsdist's output if it does not come up
         */
        public DnsdistServer start() {
            return DnsdistServer.launch(this);
        }

        String config(int port) {
            List<String> fields = new ArrayList<>();
            fields.add("address=\"127.0.0.1:" + backend.getPort() + "\"");
            fields.addAll(serverOptions);
            fields.add("healthCheckMode=\"up\"");
            List<String> config = new ArrayList<>(List.of(
                    "setLocal(\"127.0.0.1:" + port + "\")",
                    "local backend = newServer({" + String.join(", ", fields) + "})",
                    "backend:setUp()"));
            config.addAll(lua);
            config.add("setSecurityPollSuffix(\"\")");
            // after the caller's rules, so a dnstap logger sees the probe too
            config.add("addAction(AndRule({QNameRule(\".\"), QTypeRule(DNSQType.NS), NotRule(RDRule())}),"
                    + " RCodeAction(DNSRCode.REFUSED))");
            config.add("");
            return String.join("\n", config);
        }
    }

    private static DnsdistServer launch(Builder builder) {
        Path exe = Peers.require("dnsdist");
        Path dir;
        try {
            dir = Files.createTempDirectory("dnsflow-dnsdist-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare dnsdist temp dir", e);
        }
        Path conf = dir.resolve("dnsdist.conf");
        Path out = dir.resolve("dnsdist.out");
        try {
            for (int attempt = 1; ; attempt++) {
                InetSocketAddress address = new InetSocketAddress("127.0.0.1", Peers.freePort());
                Files.writeString(conf, builder.config(address.getPort()));
                ChildProcess process = ChildProcess.start("dnsdist-" + address.getPort(),
                        List.of(exe.toString(), "--supervised", "--disable-syslog", "-C", conf.toString()), dir, out);
                try {
                    Peers.waitForDns(address, START_TIMEOUT, process.process(), process::output);
                    return new DnsdistServer(dir, process, address);
                } catch (IllegalStateException e) {
                    process.close();
                    if (attempt < 3 && process.output().contains("already in use")) {
                        continue; // the free port was taken before dnsdist bound it
                    }
                    throw e;
                }
            }
        } catch (IOException e) {
            ChildProcess.deleteRecursively(dir);
            throw new UncheckedIOException("cannot start " + exe, e);
        } catch (RuntimeException | Error e) {
            ChildProcess.deleteRecursively(dir);
            throw e;
        }
    }

    /** Where dnsdist listens (UDP and TCP). */
    public InetSocketAddress address() {
        return address;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** dnsdist's output so far, for assertion messages. */
    public String log() {
        return process.output();
    }

    /** Stops dnsdist (SIGTERM, then SIGKILL after a grace period) and deletes its temp dir. */
    @Override
    public void close() {
        process.close();
        ChildProcess.deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return "DnsdistServer[" + address + ", " + process + "]";
    }
}
