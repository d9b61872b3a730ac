package dev.dnsflow.corefile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code node-local-dns} ConfigMap's Corefile (Kubernetes' nodelocaldns.yaml template) read into
 * what {@code dnsflow nodelocal} runs: listen addresses from {@code bind}, one forward zone per server
 * block, the health and metrics addresses, the cache sizes. Only what the template uses is understood;
 * any other plugin or option is refused by name with its line, never skipped. Nothing is opened here.
 *
 * <p>{@code __PILLAR__} placeholders are filled first, as node-cache does (kubernetes/dns
 * cmd/node-cache/app/configmap.go) and, before it, the installer's sed: {@code __PILLAR__LOCAL__DNS__} with the
 * first {@code -localip} address (bind and health), {@code __PILLAR__DNS__SERVER__} with the others (the
 * kube-dns IP in iptables mode), {@code __PILLAR__CLUSTER__DNS__}
 * with the upstream service's IP ({@code $KUBE_DNS_UPSTREAM_SERVICE_HOST}), {@code __PILLAR__UPSTREAM__SERVERS__}
 * with {@code /etc/resolv.conf}; and {@code __PILLAR__DNS__DOMAIN__}, which the installer's sed fills in,
 * with the cluster domain.
 */
public final class NodelocalCorefile {
    /** CoreDNS cache's default capacity per part (success, denial). */
    public static final int DEFAULT_CAPACITY = 9984;
    /** The directives understood, for the message that refuses the others. */
    public static final List<String> SUPPORTED = List.of("bind", "cache", "errors", "forward", "health", "log", "loop",
            "prometheus", "reload");
    private static final Pattern PILLAR = Pattern.compile("__PILLAR__[A-Z_]*?__(?=[^A-Z_]|$)");

    private NodelocalCorefile() {
    }

    /**
     * What fills the placeholders.
     *
     * @param localIps   node-cache's {@code -localip}: comma-separated listen IPs; null when not given
     * @param clusterDns the upstream service's IP; null when its environment variable is not set
     * @param clusterDnsVariable the variable it comes from, for the message when it is missing
     * @param dnsDomain  the cluster domain
     */
    public record Pillars(String localIps, String clusterDns, String clusterDnsVariable, String dnsDomain) {
    }

    /** One zone's forward: its upstreams as written ({@code IP}, {@code IP:PORT} or a resolv.conf path). */
    public record Zone(String zone, List<String> to, boolean forceTcp, int line) {
    }

    /** A cache part: entries at most and the TTL cap in seconds. */
    public record CachePart(int capacity, int ttlSeconds) {
        /** As {@code --cache-success}/{@code --cache-denial} take it: {@code 9984:30s}. */
        public String flagValue() {
            return capacity + ":" + ttlSeconds + "s";
        }
    }

    /**
     * The setup: addresses to listen on (IPs, all on {@code port}), zones in file order, health and metrics
     * {@code HOST:PORT} (null when the plugin is absent), the cache (null when no block has one), whether
     * {@code log} asks for every query to be logged, and notices worth printing.
     */
    public record Setup(List<String> bind, int port, List<Zone> zones, String health, String metrics,
                        CachePart success, CachePart denial, boolean log, List<String> notices) {
    }

    /** Fills the placeholders; one left over (or one whose value is missing) is an error naming it and its line. */
    public static String substitute(String text, String name, Pillars p) {
        String out = text;
        if (out.contains("__PILLAR__LOCAL__DNS__") || out.contains("__PILLAR__DNS__SERVER__")) {
            if (p.localIps() == null || p.localIps().isBlank()) {
                throw new CorefileException(name + ": line " + lineOf(text, "__PILLAR__")
                        + ": __PILLAR__LOCAL__DNS__ and __PILLAR__DNS__SERVER__ need the listen IPs: give --localip "
                        + "(as node-cache's -localip: the link-local IP, then in iptables mode the kube-dns IP)");
            }
            // As the installer's sed does (the node-cache DaemonSet's -localip is "LOCAL,DNS_SERVER"): the first IP
            // is the local address (bind, health), the rest the kube-dns service IP(s) bound beside it.
            String[] ips = p.localIps().split(",");
            out = out.replace("__PILLAR__LOCAL__DNS__", ips[0].trim());
            out = out.replace("__PILLAR__DNS__SERVER__", String.join(" ",
                    java.util.Arrays.stream(ips).skip(1).map(String::trim).toList()));
        }
        if (out.contains("__PILLAR__CLUSTER__DNS__")) {
            if (p.clusterDns() == null || p.clusterDns().isBlank()) {
                throw new CorefileException(name + ": line " + lineOf(out, "__PILLAR__CLUSTER__DNS__")
                        + ": __PILLAR__CLUSTER__DNS__ is the upstream service's IP, read from $" + p.clusterDnsVariable()
                        + ", which is not set (Kubernetes sets it when the Service exists before the pod; or give --upstreamsvc)");
            }
            out = out.replace("__PILLAR__CLUSTER__DNS__", p.clusterDns());
        }
        out = out.replace("__PILLAR__UPSTREAM__SERVERS__", "/etc/resolv.conf");
        out = out.replace("__PILLAR__DNS__DOMAIN__", p.dnsDomain());
        Matcher left = PILLAR.matcher(out);
        if (left.find()) {
            throw new CorefileException(name + ": line " + lineOf(out, left.group()) + ": unknown placeholder "
                    + left.group() + " (known: __PILLAR__LOCAL__DNS__, __PILLAR__DNS__SERVER__, __PILLAR__CLUSTER__DNS__, "
                    + "__PILLAR__UPSTREAM__SERVERS__, __PILLAR__DNS__DOMAIN__)");
        }
        return out;
    }

    /** Substitutes, parses and reads the Corefile; errors name the file and line. */
    public static Setup read(String text, String name, Pillars pillars) {
        Corefile corefile = Corefile.parse(substitute(text, name, pillars), name);
        Set<String> bind = new LinkedHashSet<>();
        List<Zone> zones = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        Integer port = null;
        String health = null;
        String metrics = null;
        CachePart success = null;
        CachePart denial = null;
        String cacheFrom = null;
        List<String> cacheDiffers = new ArrayList<>();
        boolean log = false;
        boolean reload = false;
        List<String> firstBind = null;
        for (Corefile.ServerBlock block : corefile.blocks()) {
            if (block.snippet()) {
                throw new CorefileException(name + ": line " + block.keys().get(0).line() + ": snippets are not supported");
            }
            List<String> blockZones = new ArrayList<>();
            for (Corefile.Token key : block.keys()) {
                for (String k : key.text().split(",")) {
                    if (k.isEmpty()) {
                        continue;
                    }
                    if (k.contains("://") && !k.startsWith("dns://")) {
                        throw new CorefileException(name + ": line " + key.line() + ": '" + k
                                + "': only plain DNS (dns://) server blocks are supported");
                    }
                    int p = portOf(k);
                    if (port != null && port != p) {
                        throw new CorefileException(name + ": line " + key.line() + ": '" + k + "' uses port " + p
                                + ", another block " + port + ": dnsflow serves every zone on one port");
                    }
                    port = p;
                    blockZones.add(Corefile.zone(k).toLowerCase(Locale.ROOT));
                }
            }
            List<String> blockBind = List.of();
            boolean forwarded = false;
            for (Corefile.Directive d : block.directives()) {
                switch (d.nameText()) {
                    case "errors", "loop" -> noBlock(d, name); // errors: always logged; loop: a forward to ourselves is refused at start
                    case "reload" -> reload = true;
                    case "log" -> {
                        if (!d.args().isEmpty() || d.open() != null) {
                            throw unsupported(name, d, "log with arguments or a block");
                        }
                        log = true;
                    }
                    case "bind" -> {
                        noBlock(d, name);
                        blockBind = d.argTexts();
                        bind.addAll(blockBind);
                    }
                    case "cache" -> {
                        CachePart[] parts = cache(d, name);
                        if (success == null) {
                            success = parts[0];
                            denial = parts[1];
                            cacheFrom = block.label();
                        } else if (!success.equals(parts[0]) || !denial.equals(parts[1])) {
                            cacheDiffers.add(block.label() + " (line " + d.line() + ") asks success " + parts[0].flagValue()
                                    + ", denial " + parts[1].flagValue());
                        }
                    }
                    case "forward" -> {
                        zones.addAll(forward(d, blockZones, name));
                        forwarded = true;
                    }
                    case "prometheus" -> metrics = same(metrics, address(d, name, "localhost:9153"), d, name, "prometheus");
                    case "health" -> health = same(health, address(d, name, ":8080"), d, name, "health");
                    default -> throw new CorefileException(name + ": line " + d.line() + ": plugin '" + d.nameText()
                            + "' is not supported by dnsflow nodelocal (supported: " + String.join(", ", SUPPORTED) + ")");
                }
            }
            if (!forwarded) {
                throw new CorefileException(name + ": line " + block.keys().get(0).line() + ": server block "
                        + block.label() + " has no forward: dnsflow nodelocal only forwards");
            }
            if (firstBind == null) {
                firstBind = blockBind;
            } else if (!new LinkedHashSet<>(firstBind).equals(new LinkedHashSet<>(blockBind))) {
                notices.add("every zone is served on every address: " + block.label() + " binds " + blockBind
                        + ", the first block " + firstBind);
            }
        }
        if (corefile.blocks().isEmpty()) {
            throw new CorefileException(name + ": no server block");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Zone z : zones) {
            if (!seen.add(z.zone())) {
                throw new CorefileException(name + ": line " + z.line() + ": zone " + z.zone() + " is forwarded twice");
            }
        }
        if (!cacheDiffers.isEmpty()) {
            notices.add("one cache serves every zone: success " + success.flagValue() + ", denial " + denial.flagValue()
                    + " as " + cacheFrom + " asks; " + String.join("; ", cacheDiffers));
        }
        if (reload) {
            notices.add("reload: the Corefile is read once at start; restart the pod (a DaemonSet rollout) to apply a change");
        }
        return new Setup(List.copyOf(bind), port, List.copyOf(zones), health, metrics, success, denial, log,
                List.copyOf(notices));
    }

    private static List<Zone> forward(Corefile.Directive d, List<String> blockZones, String name) {
        List<String> args = d.argTexts();
        if (args.size() < 2) {
            throw new CorefileException(name + ": line " + d.line() + ": forward needs FROM and at least one TO");
        }
        boolean forceTcp = false;
        for (Corefile.Directive option : d.children()) {
            if (option.nameText().equals("force_tcp") && option.args().isEmpty()) {
                forceTcp = true;
            } else {
                throw unsupported(name, option, "forward option '" + option.nameText() + "'");
            }
        }
        List<String> to = new ArrayList<>();
        for (String t : args.subList(1, args.size())) {
            if (t.startsWith("tls://") || t.contains("://") && !t.startsWith("dns://")) {
                throw new CorefileException(name + ": line " + d.line() + ": forward to '" + t
                        + "': only plain DNS upstreams (IP[:PORT], dns://, a resolv.conf path) are supported");
            }
            to.add(t.startsWith("dns://") ? t.substring(6) : t);
        }
        String from = Corefile.zone(args.get(0)).toLowerCase(Locale.ROOT);
        List<String> zones = from.equals(".") ? blockZones : List.of(from);
        List<Zone> out = new ArrayList<>();
        for (String z : zones) {
            out.add(new Zone(z, List.copyOf(to), forceTcp, d.line()));
        }
        return out;
    }

    /** {@code cache [TTL]} or {@code cache { success CAP [TTL]; denial CAP [TTL] }}: [success, denial]. */
    private static CachePart[] cache(Corefile.Directive d, String name) {
        int ttl = 3600;
        int denialTtl = 1800; // CoreDNS's defaults: 1 h for answers, 30 min for denials
        List<String> args = d.argTexts();
        if (args.size() > 1) {
            throw unsupported(name, d, "cache with zones");
        }
        if (args.size() == 1) {
            ttl = number(args.get(0), d, name);
            denialTtl = ttl;
        }
        CachePart success = new CachePart(DEFAULT_CAPACITY, ttl);
        CachePart denial = new CachePart(DEFAULT_CAPACITY, denialTtl);
        for (Corefile.Directive option : d.children()) {
            List<String> a = option.argTexts();
            boolean part = option.nameText().equals("success") || option.nameText().equals("denial");
            if (!part || a.isEmpty() || a.size() > 2 || option.open() != null) {
                throw unsupported(name, option, "cache option '" + option.nameText() + (part ? " " + String.join(" ", a) : "")
                        + "'");
            }
            int capacity = number(a.get(0), option, name);
            if (option.nameText().equals("success")) {
                success = new CachePart(capacity, a.size() > 1 ? number(a.get(1), option, name) : success.ttlSeconds());
            } else {
                denial = new CachePart(capacity, a.size() > 1 ? number(a.get(1), option, name) : denial.ttlSeconds());
            }
        }
        return new CachePart[] {success, denial};
    }

    /** {@code prometheus [ADDR]} / {@code health [ADDR]}: {@code HOST:PORT}, an empty host meaning every address. */
    private static String address(Corefile.Directive d, String name, String dflt) {
        if (d.args().size() > 1) {
            throw unsupported(name, d, d.nameText() + " with more than one address");
        }
        for (Corefile.Directive option : d.children()) {
            throw unsupported(name, option, d.nameText() + " option '" + option.nameText() + "'");
        }
        String a = d.args().isEmpty() ? dflt : d.argTexts().get(0);
        if (a.startsWith(":")) {
            a = "0.0.0.0" + a;
        }
        return a;
    }

    private static String same(String before, String now, Corefile.Directive d, String name, String plugin) {
        if (before != null && !before.equals(now)) {
            throw new CorefileException(name + ": line " + d.line() + ": " + plugin + " " + now + " differs from " + before
                    + " in an earlier block: dnsflow serves one " + plugin + " address");
        }
        return now;
    }

    private static void noBlock(Corefile.Directive d, String name) {
        if (d.open() != null) {
            throw unsupported(name, d, d.nameText() + " with a block");
        }
    }

    private static int number(String text, Corefile.Directive d, String name) {
        try {
            int n = Integer.parseInt(text);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new CorefileException(name + ": line " + d.line() + ": " + d.nameText() + ": '" + text
                    + "' is not a whole number");
        }
    }

    private static CorefileException unsupported(String name, Corefile.Directive d, String what) {
        return new CorefileException(name + ": line " + d.line() + ": " + what + " is not supported by dnsflow nodelocal");
    }

    private static int portOf(String key) {
        String k = key.startsWith("dns://") ? key.substring(6) : key;
        int colon = k.lastIndexOf(':');
        if (colon >= 0 && colon < k.length() - 1 && k.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(k.substring(colon + 1));
        }
        return 53;
    }

    private static int lineOf(String text, String needle) {
        int at = text.indexOf(needle);
        int line = 1;
        for (int i = 0; i < at; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The substitution inputs from node-cache's environment: {@code $<UPSTREAMSVC>_SERVICE_HOST}. */
    public static Pillars pillars(Map<String, String> env, String localIps, String upstreamService, String dnsDomain) {
        String variable = upstreamService.toUpperCase(Locale.ROOT).replace('-', '_') + "_SERVICE_HOST";
        return new Pillars(localIps, env.get(variable), variable, dnsDomain);
    }
}
