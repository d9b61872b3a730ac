package dev.dnsflow.dnstap;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where {@code --dnstap} output goes: {@code unix:PATH}, {@code tcp:HOST:PORT} or {@code file:PATH}.
 *
 * <p>Why a prefix is mandatory: a bare path could be a socket that does not exist yet or a file
 * to create, and guessing wrong silently writes a file nobody reads. The host of {@code tcp:} is
 * resolved on each connection attempt, so a reader that moves (a Service name) is found again.
 *
 * @param kind whether the destination is a bidirectional socket or a file
 * @param path the socket or file path ({@code null} for TCP)
 * @param host the TCP host ({@code null} otherwise); IPv6 literals may be bracketed
 * @param port the TCP port (0 otherwise)
 */
public record Destination(Kind kind, Path path, String host, int port) {

    /** The three kinds of Frame Streams output. */
    public enum Kind { UNIX, TCP, FILE }

    /**
     * Parses the {@code --dnstap} value.
     *
     * @throws IllegalArgumentException naming {@code --dnstap} and the accepted forms
     */
    public static Destination parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw bad(spec, "empty");
        }
        int colon = spec.indexOf(':');
        String scheme = colon < 0 ? "" : spec.substring(0, colon);
        String rest = colon < 0 ? "" : spec.substring(colon + 1);
        switch (scheme) {
            case "unix":
                return new Destination(Kind.UNIX, pathOf(spec, rest), null, 0);
            case "file":
                return new Destination(Kind.FILE, pathOf(spec, rest), null, 0);
            case "tcp":
                return tcp(spec, rest);
            default:
                throw bad(spec, "unknown scheme");
        }
    }

    /** Whether the Frame Streams bidirectional handshake applies (sockets, not files). */
    public boolean bidirectional() {
        return kind != Kind.FILE;
    }

    /** A fresh socket address (resolving a TCP host name now); not for files. */
    SocketAddress socketAddress() {
        return switch (kind) {
            case UNIX -> UnixDomainSocketAddress.of(path);
            case TCP -> new InetSocketAddress(host, port);
            case FILE -> throw new IllegalStateException("a file has no socket address");
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNIX -> "unix:" + path;
            case FILE -> "file:" + path;
            case TCP -> "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        };
    }

    private static Path pathOf(String spec, String rest) {
        if (rest.isEmpty()) {
            throw bad(spec, "missing path");
        }
        return Path.of(rest);
    }

    private static Destination tcp(String spec, String rest) {
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw bad(spec, "tcp needs HOST:PORT");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw bad(spec, "bracket an IPv6 address, as in tcp:[::1]:6000");
        }
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad(spec, "port is not a number");
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw bad(spec, "host must be non-empty and port 1-65535");
        }
        return new Destination(Kind.TCP, null, host, port);
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("--dnstap " + (spec == null ? "" : "'" + spec + "'") + ": " + why
                + "; expected unix:PATH, tcp:HOST:PORT or file:PATH");
    }
}
