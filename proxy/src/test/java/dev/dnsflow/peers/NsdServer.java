package dev.dnsflow.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real NSD authoritative server for {@code example.com.}, run as a child process on
 * 127.0.0.1 with everything (config, zone, logs, state) in a private temp dir.
 *
 * <p>Why: it is the upstream our proxy sits in front of in production-like tests; the zone
 * gives success, CNAME, wildcard, NXDOMAIN and truncation (TC) cases with fixed values that
 * tests assert against (see the constants). Response rate limiting is switched off because
 * NSD otherwise silently drops repeated identical queries under load.
 *
 * <p>The process ({@link ChildProcess}) is stopped by {@link #close()} and, as a safety net, by a
 * JVM shutdown hook, so it never outlives the test run.
 */
public final class NsdServer implements AutoCloseable {

    public static final String ZONE = "example.com.";
    public static final String APEX_A = "192.0.2.1";
    public static final String APEX_AAAA = "2001:db8::1";
    public static final String NS1_A = "127.0.0.1";
    public static final String WILDCARD_A = "192.0.2.10";
    public static final String MAIL_A = "192.0.2.25";
    /** Number of 255-character strings in the TXT of {@code big.example.com.} (see {@link #bigTxtStrings()}). */
    public static final int BIG_TXT_STRINGS = 5;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final ChildProcess process;
    private final InetSocketAddress address;

    private NsdServer(Path dir, ChildProcess process, InetSocketAddress address) {
        this.dir = dir;
        this.process = process;
        this.address = address;
    }

    /** Starts NSD serving the standard {@code example.com.} zone. Skips the test if NSD is not installed. */
    public static NsdServer start() {
        return start("", "");
    }

    /** Starts NSD with {@code extraZoneRecords} (zone-file lines, origin example.com.) appended to the zone. */
    public static NsdServer start(String extraZoneRecords) {
        return start(extraZoneRecords, "");
    }

    /**
     * Starts NSD with extra zone-file lines and extra {@code server:} clause lines
     * (e.g. {@code "tcp-count: 200"}), each one option per line.
     *
     * @throws IllegalStateException with NSD's log if it does not come up
     */
    public static NsdServer start(String extraZoneRecords, String extraServerConfig) {
        Path nsd = Peers.require("nsd");
        Path dir;
        try {
            dir = Files.createTempDirectory("dnsflow-nsd-");
            Files.writeString(dir.resolve("example.com.zone"), zoneText() + extraZoneRecords + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare NSD temp dir", e);
        }
        try {
            boolean rrlOff = true;
            for (int attempt = 1; ; attempt++) {
                try {
                    return launch(nsd, dir, extraServerConfig, rrlOff);
                } catch (IllegalStateException e) {
                    String why = String.valueOf(e.getMessage());
                    if (rrlOff && why.contains("rrl-")) {
                        rrlOff = false; // an NSD built without --enable-ratelimit may reject the rrl-* keys
                    } else if (attempt < 3 && why.contains("already in use")) {
                        continue; // someone took the free port before NSD bound it
                    } else {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            ChildProcess.deleteRecursively(dir);
            throw e;
        }
    }

    private static NsdServer launch(Path nsd, Path dir, String extraServerConfig, boolean rrlOff) {
        int port = Peers.freePort();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        Path conf = dir.resolve("nsd.conf");
        Path out = dir.resolve("nsd.out");
        Path log = dir.resolve("nsd.log");
        try {
            Files.writeString(conf, config(dir, port, extraServerConfig, rrlOff));
            Files.deleteIfExists(log);
            ChildProcess process = ChildProcess.start("nsd-" + port, List.of(nsd.toString(), "-d", "-c", conf.toString()),
                    dir, out);
            try {
                Peers.waitForDns(address, START_TIMEOUT, process.process(), () -> process.output() + ChildProcess.read(log));
            } catch (RuntimeException e) {
                process.close();
                throw e;
            }
            return new NsdServer(dir, process, address);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + nsd, e);
        }
    }

    /**
     * The character-strings of {@code big.example.com. TXT}: "aaa…", "bbb…", … of 255 characters
     * each, 1280 bytes of rdata, so the answer truncates over UDP without EDNS (512) and with 1232.
     */
    public static List<String> bigTxtStrings() {
        return IntStream.range(0, BIG_TXT_STRINGS)
                .mapToObj(i -> String.valueOf((char) ('a' + i)).repeat(255))
                .collect(Collectors.toList());
    }

    /**
     * The zone file served for {@code example.com.}; tests compare against its values. The records
     * mirror the demo's embedded authority ({@code dev.dnsflow.demo.EmbeddedAuthority}), so either can
     * stand behind the proxy in a test.
     */
    public static String zoneText() {
        String bigTxt = bigTxtStrings().stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(" "));
        return String.join("\n",
                "$ORIGIN example.com.",
                "$TTL 300",
                "@     IN SOA  ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300",
                "@     IN NS   ns1.example.com.",
                "ns1   IN A    " + NS1_A,
                "@     IN A    " + APEX_A,
                "@     IN AAAA " + APEX_AAAA,
                "www   IN CNAME example.com.",
                "*.w   IN A    " + WILDCARD_A,
                "big   IN TXT  " + bigTxt,
                "mail  IN A    " + MAIL_A,
                "");
    }

    private static String config(Path dir, int port, String extraServerConfig, boolean rrlOff) {
        StringBuilder c = new StringBuilder()
                .append("server:\n")
                .append("  ip-address: 127.0.0.1@").append(port).append('\n')
                .append("  port: ").append(port).append('\n')
                .append("  username: \"\"\n")
                .append("  zonesdir: \"").append(dir).append("\"\n")
                .append("  database: \"\"\n")
                .append("  pidfile: \"").append(dir.resolve("nsd.pid")).append("\"\n")
                .append("  logfile: \"").append(dir.resolve("nsd.log")).append("\"\n")
                .append("  xfrdfile: \"").append(dir.resolve("xfrd.state")).append("\"\n")
                .append("  zonelistfile: \"").append(dir.resolve("zone.list")).append("\"\n")
                .append("  server-count: 1\n")
                .append("  verbosity: 0\n");
        if (rrlOff) {
            c.append("  rrl-ratelimit: 0\n").append("  rrl-whitelist-ratelimit: 0\n");
        }
        for (String line : extraServerConfig.split("\n")) {
            if (!line.isBlank()) {
                c.append("  ").append(line.strip()).append('\n');
            }
        }
        return c.append("remote-control:\n")
                .append("  control-enable: no\n")
                .append("zone:\n")
                .append("  name: example.com\n")
                .append("  zonefile: example.com.zone\n")
                .toString();
    }

    /** Where NSD listens (UDP and TCP). */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** NSD's console output and log file so far, for assertion messages. */
    public String log() {
        return process.output() + ChildProcess.read(dir.resolve("nsd.log"));
    }

    /** Stops NSD and its children (SIGTERM, then SIGKILL after a grace period) and deletes the temp dir. */
    @Override
    public void close() {
        process.close();
        ChildProcess.deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return "NsdServer[" + address + ", pid " + process.process().pid() + "]";
    }
}
