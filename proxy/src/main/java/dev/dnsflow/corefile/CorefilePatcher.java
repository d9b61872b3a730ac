package dev.dnsflow.corefile;

import dev.dnsflow.corefile.ContextOptions.Field;
import dev.dnsflow.corefile.Corefile.Directive;
import dev.dnsflow.corefile.Corefile.ServerBlock;
import dev.dnsflow.corefile.Corefile.Token;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * Points an existing Corefile at dnsflow. In every server block for the root zone, its
 * {@code forward . ...} gets dnsflow's address as its only destination (its {@code { ... }} options
 * stay), the old destinations go into a comment above it, and the {@code rewrite} rules that carry the
 * client (plus {@code metadata} and {@code dnstap} when asked for) go in just before it. Every other
 * byte stays as it was, and patching a patched file changes nothing.
 *
 * <p>Forwards of other zones ({@code forward consul. 10.0.0.5}, or {@code forward .} in a
 * {@code consul:53} block) are left alone unless all forwards are asked for.
 */
public final class CorefilePatcher {
    private static final String FORWARDS_TO = "# dnsflow forwards to: ";

    private final Corefile corefile;
    private final CorefileSnippet snippet;
    private final boolean allForwards;
    private final List<String> lines = new ArrayList<>(); // with their line terminators
    private final TreeMap<Integer, List<String>> inserts = new TreeMap<>();
    private final TreeMap<Integer, List<int[]>> replaceSpans = new TreeMap<>();
    private final TreeMap<Integer, List<String>> replaceTexts = new TreeMap<>();
    private final List<String> changes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> redirectedDestinations = new LinkedHashSet<>();
    private int[] lineStarts;

    /**
     * @param text the patched Corefile (the same text when nothing changed)
     * @param changes what was changed, one sentence each, with the original line numbers
     * @param warnings things the user should check (not errors: the text is still valid)
     */
    public record Result(String text, boolean changed, List<String> changes, List<String> warnings) {
    }

    private CorefilePatcher(Corefile corefile, CorefileSnippet snippet, boolean allForwards) {
        this.corefile = corefile;
        this.snippet = snippet;
        this.allForwards = allForwards;
    }

    /**
     * Patches a Corefile.
     *
     * @param name the file's name for messages
     * @param allForwards redirect every forward, not only {@code forward .} in root-zone blocks
     * @throws CorefileException when there is nothing to redirect, the braces do not balance, or an
     *     existing rewrite rule already uses one of dnsflow's option codes for something else
     */
    public static Result patch(String text, String name, CorefileSnippet snippet, boolean allForwards) {
        CorefilePatcher p = new CorefilePatcher(Corefile.parse(text, name), snippet, allForwards);
        return p.run();
    }

    private Result run() {
        splitLines();
        List<String> found = new ArrayList<>();
        boolean any = false;
        for (ServerBlock block : corefile.blocks()) {
            List<Directive> targets = new ArrayList<>();
            for (Directive forward : block.all("forward")) {
                if (!block.snippet() && (allForwards || block.servesRoot() && isRootForward(forward))) {
                    targets.add(forward);
                } else {
                    found.add("'" + describe(forward) + "' in " + block.label() + " (line " + forward.line() + ")");
                }
            }
            if (!targets.isEmpty()) {
                any = true;
                patchBlock(block, targets);
            }
        }
        if (!any) {
            if (found.isEmpty()) {
                throw new CorefileException("no 'forward' directive found in " + corefile.name() + ": nothing to point at dnsflow");
            }
            throw new CorefileException("no 'forward .' in a server block for the root zone (such as .:53) in " + corefile.name()
                    + "; found only " + String.join(", ", found) + ". Use --all-forwards to point those at dnsflow.");
        }
        if (allForwards && redirectedDestinations.size() > 1) {
            warnings.add("--all-forwards: the redirected forwards went to different places (" + String.join("; ", redirectedDestinations)
                    + "), but dnsflow sends every query to the same --upstream servers");
        }
        boolean changed = !inserts.isEmpty() || !replaceSpans.isEmpty();
        return new Result(changed ? assemble() : corefile.text(), changed, List.copyOf(changes), List.copyOf(warnings));
    }

    private void patchBlock(ServerBlock block, List<Directive> targets) {
        targets.sort(Comparator.comparingInt(Directive::line));
        String where = corefile.name() + ": " + block.label();

        // What is there already: our rules, rules of others, metadata, dnstap.
        Set<Field> present = EnumSet.noneOf(Field.class);
        Directive firstForeignRewrite = null;
        for (Directive rewrite : block.all("rewrite")) {
            Edns0Local rule = Edns0Local.of(rewrite);
            Field ours = rule == null ? null : fieldWithCode(rule.code());
            if (ours != null) {
                if (!rule.data().equals(ours.variable())) {
                    throw new CorefileException(corefile.name() + ": line " + rewrite.line() + ": '" + describe(rewrite)
                            + "' already uses EDNS0 option " + ContextOptions.hex(rule.code()) + ", which dnsflow reads as "
                            + ours.key() + "; give dnsflow another code with --context-option " + ours.key() + "=CODE");
                }
                present.add(ours);
                continue;
            }
            if (rule != null) {
                for (Field f : snippet.fields()) {
                    if (rule.data().equals(f.variable())) {
                        warnings.add(corefile.name() + ": line " + rewrite.line() + " already sends " + f.variable() + " in option "
                                + ContextOptions.hex(rule.code()) + ", but dnsflow reads " + f.key() + " from "
                                + ContextOptions.hex(snippet.code(f)) + " (--context-option " + f.key() + "=" + rule.code()
                                + " would use that one)");
                    }
                }
            }
            if (firstForeignRewrite == null) {
                firstForeignRewrite = rewrite;
            }
        }
        List<Field> missing = new ArrayList<>();
        for (Field f : snippet.fields()) {
            if (!present.contains(f)) {
                missing.add(f);
            }
        }
        boolean addMetadata = snippet.podMetadata() && block.all("metadata").isEmpty();
        boolean addDnstap = false;
        if (snippet.dnstap() != null) {
            List<Directive> taps = block.all("dnstap");
            boolean same = taps.stream().anyMatch(d -> !d.args().isEmpty() && sameEndpoint(d.args().get(0).text(), snippet.dnstap()));
            if (taps.isEmpty()) {
                addDnstap = true;
            } else if (!same) {
                warnings.add(where + " already has 'dnstap " + taps.get(0).argTexts().get(0) + "' (line " + taps.get(0).line()
                        + "); not adding a second one for " + snippet.dnstap());
            }
        }
        if (snippet.podMetadata()) {
            checkPodsVerified(block, where);
        }

        // The rules go in front of the first forward we redirect, or in front of an earlier rewrite rule
        // of someone else's: a matching rule in the default "stop" mode ends the list, and ours after it
        // would never run for that query.
        Directive anchor = targets.get(0);
        if (firstForeignRewrite != null && firstForeignRewrite.line() < anchor.line()) {
            anchor = firstForeignRewrite;
        }
        List<String> group = new ArrayList<>();
        if (!missing.isEmpty() && present.isEmpty()) {
            if (snippet.podMetadata()) {
                group.add("# dnsflow: pass the real client (address, port, protocol, pod, namespace) to dnsflow in EDNS0");
                group.add("# local options; pod and namespace need \"metadata\" and \"pods verified\" in the kubernetes plugin");
            } else {
                group.add("# dnsflow: pass the real client (address, port, protocol) to dnsflow in EDNS0 local options");
            }
        }
        if (addMetadata) {
            group.add("metadata");
        }
        for (Field f : missing) {
            group.add(snippet.rewrite(f));
        }
        if (addDnstap) {
            group.addAll(snippet.dnstapLines(indentUnit(block)));
            group.addAll(snippet.dnstapExtraHint(indentUnit(block)));
        }
        if (!group.isEmpty()) {
            requireOwnLine(anchor);
            insert(aboveComments(anchor.line()), anchor, group);
            if (!missing.isEmpty()) {
                changes.add(where + ": added " + missing.size() + " rewrite rule" + (missing.size() == 1 ? "" : "s") + " before line "
                        + anchor.line());
            }
            if (addMetadata) {
                changes.add(where + ": added metadata");
            }
            if (addDnstap) {
                changes.add(where + ": added dnstap " + snippet.dnstap());
            }
        }

        for (Directive forward : targets) {
            redirect(forward, where);
        }
        if (!missing.isEmpty() || !present.isEmpty()) {
            for (Directive forward : block.all("forward")) {
                if (!targets.contains(forward) && forward.args().size() > 1) {
                    warnings.add(corefile.name() + ": line " + forward.line() + ": '" + describe(forward) + "' still goes straight "
                            + "upstream, and its queries now carry the rewrite rules' EDNS0 options (the client's address) "
                            + "there too; --all-forwards sends it through dnsflow, which strips them");
                }
            }
        }
    }

    private void redirect(Directive forward, String where) {
        List<Token> destinations = forward.args().size() < 2 ? List.of() : forward.args().subList(1, forward.args().size());
        if (destinations.isEmpty()) {
            warnings.add(corefile.name() + ": line " + forward.line() + ": '" + describe(forward) + "' has no destination; left as is");
            return;
        }
        InetSocketAddress dnsflow = snippet.listenAddress();
        List<String> others = new ArrayList<>();
        for (Token t : destinations) {
            if (t.text().startsWith("tls://")) {
                warnings.add(corefile.name() + ": line " + forward.line() + ": " + t.text() + " is DNS over TLS, but dnsflow "
                        + "speaks plain DNS (UDP and TCP) to its upstreams");
            }
            InetSocketAddress a = CorefileSnippet.ipPort(t.text(), 53);
            if (!dnsflow.equals(a)) {
                // as dnsflow's --upstream takes it: dns:// is forward's default and dnsflow has no such prefix
                String original = corefile.text().substring(t.start(), t.end());
                others.add(original.startsWith("dns://") ? original.substring("dns://".length()) : original);
            }
        }
        if (others.isEmpty() && destinations.size() == 1) {
            return; // already ours
        }
        requireOwnLine(forward);
        Token first = destinations.get(0);
        Token last = destinations.get(destinations.size() - 1);
        if (first.line() != last.endLine()) {
            throw new CorefileException(corefile.name() + ": line " + forward.line() + ": the forward's destinations span several lines");
        }
        int lineStart = lineStarts[first.line() - 1];
        replaceSpans.computeIfAbsent(first.line(), k -> new ArrayList<>()).add(new int[] {first.start() - lineStart, last.end() - lineStart});
        replaceTexts.computeIfAbsent(first.line(), k -> new ArrayList<>()).add(snippet.listen());
        if (!others.isEmpty()) {
            String was = String.join(" ", others);
            redirectedDestinations.add(was);
            insert(forward.line(), forward, List.of(FORWARDS_TO + was + "  " + upstreamHint(others)));
            changes.add(where + ": 'forward " + forward.args().get(0).text() + "' on line " + forward.line() + " now goes to dnsflow at "
                    + snippet.listen() + " (was " + was + ")");
        } else {
            changes.add(where + ": 'forward " + forward.args().get(0).text() + "' on line " + forward.line()
                    + " now goes to dnsflow alone");
        }
    }

    /** How to hand the old destinations to dnsflow. */
    private static String upstreamHint(List<String> destinations) {
        boolean files = destinations.stream().allMatch(d -> d.startsWith("/"));
        if (files && destinations.equals(List.of("/etc/resolv.conf"))) {
            return "(dnsflow's default: without --upstream it reads /etc/resolv.conf)";
        }
        if (files) {
            return "(give dnsflow the nameservers listed there with --upstream)";
        }
        return "(give these to dnsflow with --upstream)";
    }

    private void checkPodsVerified(ServerBlock block, String where) {
        List<Directive> kubernetes = block.all("kubernetes");
        if (kubernetes.isEmpty()) {
            warnings.add(where + " has no kubernetes plugin: {kubernetes/client-pod-name} and {kubernetes/client-namespace} "
                    + "will be empty there");
            return;
        }
        Directive pods = kubernetes.get(0).child("pods");
        if (pods == null || !pods.argTexts().contains("verified")) {
            String now = pods == null ? "no 'pods' option (that is, 'pods disabled')" : "'" + describe(pods) + "' (line " + pods.line() + ")";
            warnings.add(where + ": --pod-metadata needs 'pods verified' in the kubernetes plugin (line " + kubernetes.get(0).line()
                    + "), which has " + now + "; until then the pod name and namespace are empty. 'pods verified' makes "
                    + "CoreDNS watch all pods, which costs memory");
        }
    }

    private Field fieldWithCode(int code) {
        for (Field f : snippet.fields()) {
            if (snippet.code(f) == code) {
                return f;
            }
        }
        return null;
    }

    private static boolean isRootForward(Directive forward) {
        return !forward.args().isEmpty() && forward.args().get(0).text().equals(".");
    }

    private static boolean sameEndpoint(String a, String b) {
        return strip(a).equals(strip(b));
    }

    private static String strip(String endpoint) {
        return endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint;
    }

    private static String describe(Directive d) {
        StringBuilder sb = new StringBuilder(d.nameText());
        d.args().forEach(a -> sb.append(' ').append(a.quoted() ? "\"" + a.text() + "\"" : a.text()));
        return sb.toString();
    }

    // ---- text edits, by original line number

    private void splitLines() {
        String text = corefile.text();
        List<Integer> starts = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl + 1;
            starts.add(from);
            lines.add(text.substring(from, end));
            from = end;
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first of the whole-line comments directly above {@code line}, so a directive keeps its comment. */
    private int aboveComments(int line) {
        int l = line;
        while (l > 1 && lines.get(l - 2).trim().startsWith("#")) {
            l--;
        }
        return l;
    }

    private void insert(int beforeLine, Directive like, List<String> texts) {
        String line = lines.get(like.line() - 1);
        String indent = line.substring(0, line.length() - line.stripLeading().length());
        String eol = line.endsWith("\r\n") ? "\r\n" : "\n";
        List<String> at = inserts.computeIfAbsent(beforeLine, k -> new ArrayList<>());
        for (String t : texts) {
            at.add((t.isEmpty() ? "" : indent + t) + eol);
        }
    }

    /** We insert whole lines before a directive, so nothing else may come before it on its line. */
    private void requireOwnLine(Directive d) {
        int start = lineStarts[d.line() - 1];
        if (!corefile.text().substring(start, d.name().start()).isBlank()) {
            throw new CorefileException(corefile.name() + ": line " + d.line() + ": '" + d.nameText()
                    + "' shares its line with what comes before it; put it on a line of its own and run again");
        }
    }

    /** The block's indentation step (the first directive's indentation), for dnstap's options block. */
    private String indentUnit(ServerBlock block) {
        if (!block.directives().isEmpty()) {
            String line = lines.get(block.directives().get(0).line() - 1);
            String indent = line.substring(0, line.length() - line.stripLeading().length());
            if (!indent.isEmpty() && block.open() != null) {
                return indent;
            }
        }
        return "    ";
    }

    private String assemble() {
        StringBuilder out = new StringBuilder(corefile.text().length() + 512);
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            inserts.getOrDefault(lineNo, List.of()).forEach(out::append);
            String line = lines.get(i);
            List<int[]> spans = replaceSpans.get(lineNo);
            if (spans != null) {
                List<String> texts = replaceTexts.get(lineNo);
                StringBuilder sb = new StringBuilder(line);
                for (int k = spans.size() - 1; k >= 0; k--) { // right to left keeps the earlier offsets valid
                    sb.replace(spans.get(k)[0], spans.get(k)[1], texts.get(k));
                }
                line = sb.toString();
            }
            out.append(line);
        }
        return out.toString();
    }

    /** {@code rewrite [continue|stop] edns0 local set|append|replace CODE DATA}. */
    record Edns0Local(int code, String data) {
        static Edns0Local of(Directive rewrite) {
            List<String> a = rewrite.argTexts();
            int i = 0;
            if (!a.isEmpty() && (a.get(0).equalsIgnoreCase("continue") || a.get(0).equalsIgnoreCase("stop"))) {
                i++;
            }
            if (a.size() != i + 5 || !a.get(i).equalsIgnoreCase("edns0") || !a.get(i + 1).equalsIgnoreCase("local")
                    || !Set.of("set", "append", "replace").contains(a.get(i + 2).toLowerCase(Locale.ROOT))) {
                return null;
            }
            Integer code = goUint16(a.get(i + 3));
            return code == null ? null : new Edns0Local(code, a.get(i + 4));
        }
    }

    /** An unsigned 16-bit number as Go's {@code strconv.ParseUint(s, 0, 16)} reads it (CoreDNS's rewrite does). */
    static Integer goUint16(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        int radix = 10;
        if (s.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
        } else if (s.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
        } else if (s.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        if (radix != 10) {
            s = s.replace("_", "");
        }
        if (s.isEmpty() || s.startsWith("+") || s.startsWith("-")) {
            return null;
        }
        try {
            int v = Integer.parseInt(s, radix);
            return v <= 65535 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
