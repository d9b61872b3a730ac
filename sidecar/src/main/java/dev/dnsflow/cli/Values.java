package dev.dnsflow.cli;

import dev.dnsflow.forward.ForwardZone;
import dev.dnsflow.util.Durations;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of the value forms the CLI accepts: {@code HOST[:PORT]}, durations such as {@code 700ms}
 * or {@code 2s}, sizes such as {@code 100MB}. Errors are IllegalArgumentExceptions that say what was
 * expected; picocli puts the flag name in front.
 */
public final class Values {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KIB|K|MB|MIB|M|GB|GIB|G)?");

    private Values() {
    }

    /** {@code 1.2.3.4}, {@code 1.2.3.4:53}, {@code [::1]:53}, {@code ::1}, {@code dns.example:53}. */
    public static InetSocketAddress hostPort(String text, int defaultPort) {
        String s = text.trim();
        String host;
        int port = defaultPort;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "': missing ']' after the IPv6 address");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + text + "': expected [IPv6]:PORT");
                }
                port = port(rest.substring(1), text);
            }
        } else if (s.indexOf(':') != s.lastIndexOf(':')) {
            host = s; // a bare IPv6 address
        } else if (s.contains(":")) {
            host = s.substring(0, s.indexOf(':'));
            port = port(s.substring(s.indexOf(':') + 1), text);
        } else {
            host = s;
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "': no host");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "': cannot resolve host " + host);
        }
    }

    private static int port(String text, String whole) {
        try {
            int port = Integer.parseInt(text);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + whole + "': port must be a number from 0 to 65535");
        }
    }

    public static Duration duration(String text) {
        return Durations.parse(text);
    }

    /** The short form operators type: {@code 700ms}, {@code 2s}, {@code 5m}. */
    public static String text(Duration d) {
        return Durations.text(d);
    }

    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 100MB, 512KB, 1GB)");
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), switch (unit.charAt(0)) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1L;
            });
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** The short form of a size: {@code 1MB}, {@code 100GB}, {@code 512KB}, {@code 1000B}. */
    public static String sizeText(long bytes) {
        if (bytes == 0 || bytes % 1024 != 0) {
            return bytes + "B";
        }
        return bytes % (1L << 30) == 0 ? (bytes >> 30) + "GB"
                : bytes % (1L << 20) == 0 ? (bytes >> 20) + "MB" : (bytes >> 10) + "KB";
    }

    /** A whole number, such as a count a flag takes. */
    public static long wholeNumber(String text) {
        String t = text.trim();
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is " + (t.matches("-?\\d+") ? "too large" : "not a whole number"));
        }
    }

    /**
     * {@code ZONE=UPSTREAM[,UPSTREAM...][/tcp]} ({@code --zone}): upstreams are {@code HOST[:PORT]} (port 53
     * unless given), or {@code resolv.conf} for the nameservers of {@code resolvConf}; {@code /tcp} forces TCP.
     */
    public static ForwardZone zone(String text, Path resolvConf) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new IllegalArgumentException("--zone: '" + text + "': give ZONE=UPSTREAM[,UPSTREAM...][/tcp], "
                    + "e.g. cluster.local=10.96.0.11/tcp or .=resolv.conf");
        }
        String zone = text.substring(0, eq).trim();
        String to = text.substring(eq + 1).trim();
        boolean tcp = to.toLowerCase(Locale.ROOT).endsWith("/tcp");
        if (tcp) {
            to = to.substring(0, to.length() - 4);
        }
        List<InetSocketAddress> upstreams = new ArrayList<>();
        for (String u : to.split(",")) {
            String one = u.trim();
            if (one.equals("resolv.conf")) {
                List<InetSocketAddress> fromFile = resolvConf(resolvConf);
                if (fromFile.isEmpty()) {
                    throw new IllegalArgumentException("--zone " + zone + ": " + resolvConf + " lists no nameserver");
                }
                upstreams.addAll(fromFile);
            } else {
                try {
                    upstreams.add(hostPort(one, 53));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--zone " + zone + ": " + e.getMessage(), e);
                }
            }
        }
        try {
            return new ForwardZone(zone, upstreams, tcp);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--zone: " + e.getMessage(), e);
        }
    }

    /** The nameservers of a resolv.conf, as CoreDNS's {@code forward . /etc/resolv.conf} reads them. */
    public static List<InetSocketAddress> resolvConf(Path path) {
        List<InetSocketAddress> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(path)) {
                String[] words = line.trim().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    String host = words[1].contains("%") ? words[1].substring(0, words[1].indexOf('%')) : words[1];
                    out.add(new InetSocketAddress(InetAddress.getByName(host), 53));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + " for default upstreams: " + e.getMessage()
                    + " (give --upstream HOST[:PORT])");
        }
        return out;
    }
}
