package dev.dnsflow.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real {@code dig} (BIND) or {@code kdig} (Knot) against a server and parses the
 * reply into a {@link DigResult}.
 *
 * <p>Why: an independent, widely used client is the most convincing check that what our proxy
 * puts on the wire is a DNS message other software accepts; the two tools differ in their query
 * defaults (dig sends EDNS and a cookie, kdig does not), so both are offered.
 *
 * <p>Defaults are one try and a 3 s timeout ({@code +tries=1 +time=3} for dig,
 * {@code +retry=0 +timeout=3} for kdig); extra arguments come after them and win, e.g.
 * {@code +tcp}, {@code +noedns}, {@code +subnet=...}. Output-shaping options such as
 * {@code +short} or {@code +noall} would defeat the parser and must not be passed.
 */
public final class Dig {

    /**
     * A parsed reply.
     *
     * @param status  rcode name (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, ...), or
     *                {@code "TIMEOUT"} if no reply arrived
     * @param flags   header flags in lower case (qr, aa, tc, rd, ra, ad, cd)
     * @param answers rdata of each answer-section record in order, e.g. {@code "192.0.2.1"}
     * @param id      the message id, -1 on timeout
     * @param raw     the tool's complete output, for assertion messages
     */
    public record DigResult(String status, Set<String> flags, List<String> answers, int id, String raw) {

        public static final String TIMEOUT = "TIMEOUT";

        public DigResult {
            flags = Set.copyOf(flags);
            answers = List.copyOf(answers);
        }
    }

    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(30);

    /** dig: {@code ->>HEADER<<- opcode: QUERY, status: X, id: N}; kdig uses ';' instead of ','. */
    private static final Pattern HEADER =
            Pattern.compile("->>HEADER<<-\\s+opcode:\\s*\\S+?[,;]\\s*status:\\s*([A-Z0-9]+)[,;]\\s*id:\\s*(\\d+)");
    /** dig: {@code ;; flags: qr aa rd; QUERY: ...}; kdig: {@code ;; Flags: qr aa rd; QUERY: ...}. */
    private static final Pattern FLAGS = Pattern.compile("(?im)^;;\\s*flags:([^;\\n]*);");
    /** {@code owner [ttl] [class] TYPE rdata}; TTL and class are optional to tolerate +nottl/+noclass. */
    private static final Pattern RECORD = Pattern.compile(
            "^(\\S+)\\s+(?:\\d+\\s+)?(?:(?:IN|CH|HS|NONE|ANY|CLASS\\d+)\\s+)?([A-Z][A-Z0-9-]*)\\s+(.*)$");
    private static final Pattern NO_REPLY = Pattern.compile(
            "timed out|no servers could be reached|response timeout|failed to query server");

    private Dig() {
    }

    /** Queries {@code name}/{@code type} at {@code server} with BIND's dig. */
    public static DigResult dig(InetSocketAddress server, String name, String type, String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(Peers.require("dig").toString(),
                "@" + server.getAddress().getHostAddress(), "-p", Integer.toString(server.getPort()),
                "+tries=1", "+time=3"));
        return run(cmd, name, type, extraArgs);
    }

    /** Queries {@code name}/{@code type} at {@code server} with Knot's kdig. */
    public static DigResult kdig(InetSocketAddress server, String name, String type, String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(Peers.require("kdig").toString(),
                "@" + server.getAddress().getHostAddress(), "-p", Integer.toString(server.getPort()),
                "+retry=0", "+timeout=3"));
        return run(cmd, name, type, extraArgs);
    }

    private static DigResult run(List<String> cmd, String name, String type, String... extraArgs) {
        cmd.addAll(Arrays.asList(extraArgs));
        cmd.add(name);
        cmd.add(type);
        String command = String.join(" ", cmd);
        Path out = null;
        try {
            // a file, not a pipe: the process can never block on a full pipe while we wait for it
            out = Files.createTempFile("dnsflow-dig-", ".out");
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            process.getOutputStream().close();
            // dig/kdig bound their own runtime through +time/+timeout; this only guards against a hang
            if (!process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("hung for " + PROCESS_TIMEOUT + ": " + command);
            }
            return parse(Files.readString(out, StandardCharsets.UTF_8), command);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    /**
     * Parses dig or kdig output. Only the last message in it counts (dig prints the query too
     * with {@code +qr}). Package-private for tests.
     */
    static DigResult parse(String output, String command) {
        int last = output.lastIndexOf("->>HEADER<<-");
        if (last < 0) {
            if (NO_REPLY.matcher(output).find()) {
                return new DigResult(DigResult.TIMEOUT, Set.of(), List.of(), -1, output);
            }
            throw new IllegalStateException("no DNS reply header in the output of: " + command + "\n" + output);
        }
        int lineStart = output.lastIndexOf('\n', last) + 1;
        String reply = output.substring(lineStart);
        Matcher header = HEADER.matcher(reply);
        if (!header.find()) {
            throw new IllegalStateException("unparsable header in the output of: " + command + "\n" + output);
        }
        Set<String> flags = new LinkedHashSet<>();
        Matcher flagLine = FLAGS.matcher(reply);
        if (flagLine.find()) {
            for (String flag : flagLine.group(1).trim().split("\\s+")) {
                if (!flag.isEmpty()) {
                    flags.add(flag.toLowerCase());
                }
            }
        }
        return new DigResult(header.group(1), flags, answers(reply), Integer.parseInt(header.group(2)), output);
    }

    /** The rdata of every record between {@code ;; ANSWER SECTION:} and the next blank line (dig and kdig). */
    public static List<String> answers(String reply) {
        List<String> answers = new ArrayList<>();
        boolean inAnswer = false;
        for (String line : reply.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith(";; ANSWER SECTION")) {
                inAnswer = true;
            } else if (inAnswer) {
                if (trimmed.isEmpty() || trimmed.startsWith(";;")) {
                    break;
                }
                Matcher record = RECORD.matcher(trimmed);
                if (record.matches()) {
                    answers.add(record.group(3).strip());
                }
            }
        }
        return answers;
    }
}
