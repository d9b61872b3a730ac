package dev.dnsflow.corefile;

import dev.dnsflow.context.ContextOptions;
import dev.dnsflow.context.ContextOptions.Field;
import dev.dnsflow.corefile.Corefile.Directive;
import dev.dnsflow.corefile.Corefile.ServerBlock;
import dev.dnsflow.corefile.Corefile.Token;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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
    private final LineEdits edits;
    private final List<String> changes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> redirectedDestinations = new LinkedHashSet<>();
    private final Set<String> upstreams = new LinkedHashSet<>();

    /**
     * @param text the patched Corefile (the same text when nothing changed)
     * @param changes what was changed, one sentence each, with the original line numbers
     * @param warnings things the user should check (not errors: the text is still valid)
     * @param upstreams where the redirected forwards sent queries before, as dnsflow's --upstream takes them (a file
     *     such as /etc/resolv.conf, an address, tls://...), each once; empty when nothing was redirected
     */
    public record Result(String text, boolean changed, List<String> changes, List<String> warnings, List<String> upstreams) {
    }

    private CorefilePatcher(Corefile corefile, CorefileSnippet snippet, boolean allForwards) {
        this.corefile = corefile;
        this.snippet = snippet;
        this.allForwards = allForwards;
        this.edits = new LineEdits(corefile);
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
        boolean changed = edits.changed();
        return new Result(changed ? edits.assemble() : corefile.text(), changed, List.copyOf(changes), List.copyOf(warnings),
                List.copyOf(upstreams));
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
            group.addAll(snippet.dnstapLines(edits.indentUnit(block)));
            group.addAll(snippet.dnstapExtraHint(edits.indentUnit(block)));
        }
        if (!group.isEmpty()) {
            edits.requireOwnLine(anchor);
            edits.insert(edits.aboveComments(anchor.line()), anchor, group);
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
        edits.requireOwnLine(forward);
        Token first = destinations.get(0);
        Token last = destinations.get(destinations.size() - 1);
        if (first.line() != last.endLine()) {
            throw new CorefileException(corefile.name() + ": line " + forward.line() + ": the forward's destinations span several lines");
        }
        edits.replace(first.line(), first.start(), last.end(), snippet.listen());
        upstreams.addAll(others);
        if (!others.isEmpty()) {
            String was = String.join(" ", others);
            redirectedDestinations.add(was);
            edits.insert(forward.line(), forward, List.of(FORWARDS_TO + was + "  " + upstreamHint(others)));
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
}
