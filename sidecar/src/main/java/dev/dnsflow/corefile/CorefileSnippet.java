package dev.dnsflow.corefile;

import dev.dnsflow.context.ContextOptions;
import dev.dnsflow.context.ContextOptions.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the sidecar setup adds to a CoreDNS server block: one {@code rewrite continue edns0 local set}
 * rule per context field, {@code forward . DNSFLOW}, and optionally CoreDNS's own {@code dnstap}.
 * {@link #render()} gives the lines with comments for a person to paste; {@link CorefilePatcher} uses
 * the single lines to edit a Corefile.
 */
public final class CorefileSnippet {
    /** dnstap's {@code extra} template: client address, port and the client's message ID, as the log plugin shows them. */
    public static final String DNSTAP_EXTRA = "{remote}:{port} {>id}";
    /** The first CoreDNS release whose dnstap plugin has the {@code extra} option (coredns#6226, release notes 1.11.2). */
    public static final String DNSTAP_EXTRA_SINCE = "1.11.2";
    public static final String DEFAULT_LISTEN = "127.0.0.1:5353";

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DNSTAP = Pattern.compile("(tcp|tls)://\\S+:\\d+|unix://\\S+|/\\S*");

    private final Map<Field, Integer> codes;
    private final String listen;
    private final InetSocketAddress listenAddress;
    private final boolean podMetadata;
    private final String dnstap;
    private final boolean dnstapExtra;

    /**
     * @param codes the option code of every field ({@link ContextOptions#codes})
     * @param listen dnsflow's address as CoreDNS's forward takes it: {@code IP:PORT}, {@code [IPv6]:PORT}
     * @param podMetadata also carry the client pod's name and namespace
     * @param dnstap CoreDNS's dnstap endpoint ({@code tcp://HOST:PORT}, {@code unix:///path}, a path), or null
     * @param dnstapExtra write dnstap's {@code extra} option for real, not as a hint (CoreDNS 1.11.2+)
     */
    public CorefileSnippet(Map<Field, Integer> codes, String listen, boolean podMetadata, String dnstap, boolean dnstapExtra) {
        this.codes = Map.copyOf(codes);
        for (Field f : Field.values()) {
            if (!this.codes.containsKey(f)) {
                throw new IllegalArgumentException("no option code for " + f.key());
            }
        }
        this.listen = listen.trim();
        this.listenAddress = ipPort(this.listen, -1);
        if (listenAddress == null || listenAddress.getPort() <= 0) {
            throw new IllegalArgumentException("'" + listen + "': CoreDNS's forward needs an IP address and port, e.g. "
                    + DEFAULT_LISTEN + " or [::1]:5353");
        }
        this.podMetadata = podMetadata;
        if (dnstap != null && !DNSTAP.matcher(dnstap.trim()).matches()) {
            throw new IllegalArgumentException("'" + dnstap + "': give dnstap's endpoint as CoreDNS takes it: tcp://HOST:PORT, "
                    + "tls://HOST:PORT, unix:///PATH or /PATH");
        }
        this.dnstap = dnstap == null ? null : dnstap.trim();
        if (dnstapExtra && dnstap == null) {
            throw new IllegalArgumentException("the dnstap extra option needs a dnstap endpoint");
        }
        this.dnstapExtra = dnstapExtra;
    }

    /** The defaults: codes 0xffee…, dnsflow at 127.0.0.1:5353, no pod metadata, no dnstap. */
    public static CorefileSnippet defaults() {
        return new CorefileSnippet(ContextOptions.defaults(), DEFAULT_LISTEN, false, null, false);
    }

    /** The fields carried: client_ip, client_port, protocol, and pod and namespace with pod metadata. */
    public List<Field> fields() {
        List<Field> out = new ArrayList<>();
        for (Field f : Field.values()) {
            if (!f.podMetadata() || podMetadata) {
                out.add(f);
            }
        }
        return out;
    }

    public int code(Field f) {
        return codes.get(f);
    }

    public boolean podMetadata() {
        return podMetadata;
    }

    public String dnstap() {
        return dnstap;
    }

    public String listen() {
        return listen;
    }

    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    /** {@code rewrite continue edns0 local set 0xffee {client_ip}}. */
    public String rewrite(Field f) {
        return "rewrite continue edns0 local set " + ContextOptions.hex(code(f)) + " " + f.variable();
    }

    /** {@code forward . 127.0.0.1:5353}. */
    public String forward() {
        return "forward . " + listen;
    }

    /** The dnstap directive: one line, or with {@code extra} its block form; empty without dnstap. */
    public List<String> dnstapLines(String indentUnit) {
        if (dnstap == null) {
            return List.of();
        }
        if (!dnstapExtra) {
            return List.of("dnstap " + dnstap + " full");
        }
        return List.of("dnstap " + dnstap + " full {", indentUnit + "extra \"" + DNSTAP_EXTRA + "\"", "}");
    }

    /** Comment lines showing the {@code extra} form, for a CoreDNS that has it; empty when it is used already. */
    public List<String> dnstapExtraHint(String indentUnit) {
        if (dnstap == null || dnstapExtra) {
            return List.of();
        }
        return List.of(
                "# CoreDNS " + DNSTAP_EXTRA_SINCE + " and later can stamp every frame with the client's address, port and",
                "# message ID (dnstap's \"extra\"), which joins its frames to dnsflow's flows; there, use instead:",
                "# dnstap " + dnstap + " full {",
                "# " + indentUnit + "extra \"" + DNSTAP_EXTRA + "\"",
                "# }");
    }

    /** Whether any code differs from dnsflow's default, so dnsflow must be told with --context-option. */
    public List<String> nonDefaultSettings() {
        List<String> out = new ArrayList<>();
        for (Field f : Field.values()) {
            if (code(f) != f.defaultCode()) {
                out.add(f.key() + "=" + code(f));
            }
        }
        return out;
    }

    /** The lines to add to the Corefile, with comments explaining each. */
    public List<String> render() {
        List<String> out = new ArrayList<>();
        out.add("# dnsflow sidecar: lines for the CoreDNS server block that forwards out of the cluster (usually .:53).");
        out.add("# Replace its \"forward . ...\" line with the forward line below, keeping that forward's { ... } options.");
        out.add("# The other lines can go anywhere in the block: CoreDNS runs its plugins in a fixed order (cache,");
        out.add("# then rewrite, then forward), whatever the order of the lines. 'dnsflow corefile --patch FILE' does");
        out.add("# all of this for you.");
        out.add("");
        out.add("# The real client travels to dnsflow in EDNS0 local options, one rewrite rule per field; dnsflow");
        out.add("# reads them and strips them before the query goes upstream. \"continue\" lets every rule apply:");
        out.add("# the default mode, \"stop\", ends the rewrite rules at the first one that matches.");
        out.add("# (Behind NodeLocal DNSCache, the client CoreDNS sees is the node cache, not the pod.)");
        for (Field f : fields()) {
            switch (f) {
                case CLIENT_IP -> out.add("# client_ip: the client's address, sent as 4 or 16 raw bytes");
                case CLIENT_PORT -> out.add("# client_port: the client's source port, sent as 2 bytes");
                case PROTOCOL -> out.add("# protocol: \"udp\" or \"tcp\", the transport the client used");
                case POD -> {
                    out.add("# pod and namespace: the client pod's name and namespace, as text, from the kubernetes");
                    out.add("# plugin's metadata. They need the metadata plugin in this block (the next line; leave it");
                    out.add("# out if the block has it already) and \"pods verified\" instead of \"pods insecure\" in the");
                    out.add("# block's kubernetes plugin (CoreDNS then watches all pods); without both they are empty.");
                    out.add("metadata");
                }
                default -> {
                }
            }
            out.add(rewrite(f));
        }
        out.add("");
        out.add("# What the cache and the kubernetes plugin do not answer goes to dnsflow, which sends it on to");
        out.add("# the upstreams this forward had: give those to dnsflow with --upstream (without --upstream it");
        out.add("# reads /etc/resolv.conf, as \"forward . /etc/resolv.conf\" did).");
        out.add(forward());
        if (dnstap != null) {
            out.add("");
            out.add("# CoreDNS's own dnstap stream: each client query and answer, and each attempt forward made to dnsflow.");
            if (dnstapExtra) {
                out.add("# \"extra\" stamps every frame with the client's address, port and message ID, which joins the");
                out.add("# frames to dnsflow's flows; it needs CoreDNS " + DNSTAP_EXTRA_SINCE + " or later.");
            }
            out.addAll(dnstapLines("    "));
            out.addAll(dnstapExtraHint("    "));
        }
        List<String> settings = nonDefaultSettings();
        if (!settings.isEmpty()) {
            out.add("");
            out.add("# These option codes are not dnsflow's defaults: start dnsflow with the same ones:");
            StringBuilder sb = new StringBuilder("#  ");
            settings.forEach(s -> sb.append(" --context-option ").append(s));
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * An IP literal with an optional port as CoreDNS's forward writes it ({@code 10.0.0.2},
     * {@code 10.0.0.2:53}, {@code [::1]:53}, {@code ::1}, optionally {@code dns://} in front), or null
     * for anything else (a file, a hostname, {@code tls://}). Never looks a name up.
     */
    public static InetSocketAddress ipPort(String text, int defaultPort) {
        String s = text.trim();
        if (s.startsWith("dns://")) {
            s = s.substring("dns://".length());
        }
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = rest.substring(1);
            }
            if (!host.contains(":")) {
                return null;
            }
        } else if (s.indexOf(':') != s.lastIndexOf(':')) {
            host = s;
        } else {
            int colon = s.indexOf(':');
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
            if (!IPV4.matcher(host).matches()) {
                return null;
            }
            for (String octet : host.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null; // not a literal: InetAddress would look it up as a name
                }
            }
        }
        if (!host.matches("[0-9A-Fa-f:.%a-zA-Z]+") || host.contains("%") && !host.contains(":")) {
            return null;
        }
        int p = defaultPort;
        if (port != null) {
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
                return null;
            }
            p = Integer.parseInt(port);
        }
        try {
            // Only literals get here (dotted quad, or containing ':'), so this never queries DNS.
            return new InetSocketAddress(InetAddress.getByName(host), Math.max(p, 0));
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }
}
