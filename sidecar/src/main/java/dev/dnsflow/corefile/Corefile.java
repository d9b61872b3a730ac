package dev.dnsflow.corefile;

import java.util.ArrayList;
import java.util.List;

/**
 * A Corefile parsed just enough to edit it in place: tokens with their offsets and lines, server
 * blocks ({@code ZONES... { ... }}) and their directives with nested {@code { ... }} blocks.
 *
 * <p>The lexical rules are CoreDNS's (Caddy's): tokens are separated by whitespace; {@code #} outside
 * quotes starts a comment to the end of the line; {@code "..."} is one token, may span lines and
 * takes {@code \"} for a quote; a token that is exactly {@code {} or {@code }} opens or closes a block
 * (so {@code {client_ip}} is an ordinary token); a directive's arguments are the tokens on its line.
 * Snippets ({@code (name) { ... }}) are parsed but flagged, top-level {@code import} lines are skipped,
 * and a file with a single server block may leave out its braces.
 */
public final class Corefile {
    private final String text;
    private final String name;
    private final List<Token> tokens;
    private final List<ServerBlock> blocks;
    private final List<Token[]> pairs = new ArrayList<>(); // matched '{' and '}', for error hints
    private int pos;

    /** A token: its value (quotes removed), whether it was quoted, its lines and its offsets in the text. */
    public record Token(String text, boolean quoted, int line, int endLine, int start, int end) {
        boolean is(String s) {
            return !quoted && text.equals(s);
        }
    }

    /**
     * A directive: its name, the arguments on its line and, if it has one, its {@code { ... }} block
     * (open and close are the brace tokens, null without a block).
     */
    public record Directive(Token name, List<Token> args, Token open, List<Directive> children, Token close) {
        public String nameText() {
            return name.text();
        }

        public int line() {
            return name.line();
        }

        /** The argument values. */
        public List<String> argTexts() {
            List<String> out = new ArrayList<>(args.size());
            args.forEach(a -> out.add(a.text()));
            return out;
        }

        /** The first child directive called {@code name}, or null. */
        public Directive child(String name) {
            for (Directive d : children) {
                if (d.nameText().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** A server block: its keys (zones with optional scheme and port), braces (null when left out), directives. */
    public record ServerBlock(List<Token> keys, Token open, List<Directive> directives, Token close) {
        /** The keys as written, e.g. {@code .:53} or {@code cluster.local:53 in-addr.arpa:53}. */
        public String label() {
            StringBuilder sb = new StringBuilder();
            for (Token k : keys) {
                sb.append(sb.length() == 0 ? "" : " ").append(k.text());
            }
            return sb.toString();
        }

        /** A snippet, {@code (name) { ... }}: only used through {@code import}. */
        public boolean snippet() {
            String first = keys.get(0).text();
            return first.startsWith("(") && first.endsWith(")");
        }

        /** Whether one of the keys is the root zone: {@code .}, {@code .:53}, {@code dns://.:53}, {@code :53}. */
        public boolean servesRoot() {
            for (Token k : keys) {
                for (String key : k.text().split(",")) {
                    if (!key.isEmpty() && zone(key).equals(".")) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** The directives called {@code name}, in file order. */
        public List<Directive> all(String name) {
            List<Directive> out = new ArrayList<>();
            for (Directive d : directives) {
                if (d.nameText().equals(name)) {
                    out.add(d);
                }
            }
            return out;
        }
    }

    private Corefile(String text, String name) {
        this.text = text;
        this.name = name;
        this.tokens = tokenize(text, name);
        this.blocks = new ArrayList<>();
    }

    /**
     * Parses a Corefile.
     *
     * @param name the file's name, for error messages
     * @throws CorefileException on unbalanced braces or an unterminated quote, naming the line
     */
    public static Corefile parse(String text, String name) {
        Corefile c = new Corefile(text, name);
        c.parseBlocks();
        return c;
    }

    public String text() {
        return text;
    }

    public String name() {
        return name;
    }

    public List<ServerBlock> blocks() {
        return blocks;
    }

    /** The zone of a server block key: scheme and port removed, {@code .} for the root. */
    static String zone(String key) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int colon = k.lastIndexOf(':');
        if (colon >= 0 && k.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            k = k.substring(0, colon);
        }
        return k.isEmpty() ? "." : k;
    }

    // ---- lexer

    private static List<Token> tokenize(String s, String name) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int start = i;
                int startLine = line;
                StringBuilder value = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char ch = s.charAt(i);
                    if (ch == '\\' && i + 1 < n && s.charAt(i + 1) == '"') {
                        value.append('"');
                        i += 2;
                        continue;
                    }
                    i++;
                    if (ch == '"') {
                        closed = true;
                        break;
                    }
                    if (ch == '\n') {
                        line++;
                    }
                    value.append(ch);
                }
                if (!closed) {
                    throw new CorefileException(name + ": line " + startLine + ": the quoted string that starts here is never closed");
                }
                out.add(new Token(value.toString(), true, startLine, line, start, i));
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(s.charAt(i)) && s.charAt(i) != '#') {
                    i++;
                }
                out.add(new Token(s.substring(start, i), false, line, line, start, i));
            }
        }
        return out;
    }

    // ---- parser

    private void parseBlocks() {
        while (pos < tokens.size()) {
            Token t = tokens.get(pos);
            if (t.is("}")) {
                throw unmatchedClose(t);
            }
            if (t.is("{")) {
                throw new CorefileException(name + ": line " + t.line() + ": '{' without a server block address (such as .:53) before it");
            }
            if (t.is("import") && !(pos + 1 < tokens.size() && tokens.get(pos + 1).is("{"))) {
                skipLine(t); // a top-level import of other server blocks: nothing of ours
                continue;
            }
            List<Token> keys = new ArrayList<>();
            keys.add(t);
            pos++;
            while (pos < tokens.size() && !tokens.get(pos).is("{") && !tokens.get(pos).is("}")
                    && (sameLine(tokens.get(pos - 1), tokens.get(pos)) || tokens.get(pos - 1).text().endsWith(","))) {
                keys.add(tokens.get(pos++));
            }
            if (pos < tokens.size() && tokens.get(pos).is("{")) {
                Token open = tokens.get(pos++);
                Body body = body(open);
                blocks.add(new ServerBlock(List.copyOf(keys), open, body.directives(), body.close()));
            } else if (blocks.isEmpty()) {
                // A single server block may leave out its braces: everything after the keys is its body.
                Body body = body(null);
                blocks.add(new ServerBlock(List.copyOf(keys), null, body.directives(), null));
            } else {
                throw new CorefileException(name + ": line " + t.line() + ": expected '{' after the server block address '"
                        + keys.get(keys.size() - 1).text() + "'");
            }
        }
    }

    private record Body(List<Directive> directives, Token close) {
    }

    /** Directives up to the '}' matching {@code open} (consumed), or to the end when open is null. */
    private Body body(Token open) {
        List<Directive> directives = new ArrayList<>();
        while (true) {
            if (pos >= tokens.size()) {
                if (open != null) {
                    throw new CorefileException("unbalanced braces in " + name + ": the '{' on line " + open.line()
                            + " is never closed" + likelyCulprit());
                }
                return new Body(List.copyOf(directives), null);
            }
            Token t = tokens.get(pos);
            if (t.is("}")) {
                if (open == null) {
                    throw unmatchedClose(t);
                }
                pos++;
                pairs.add(new Token[] {open, t});
                return new Body(List.copyOf(directives), t);
            }
            pos++;
            if (t.is("{")) { // a block with no directive name in front of it: keep it balanced, nothing more
                Body inner = body(t);
                directives.add(new Directive(t, List.of(), t, inner.directives(), inner.close()));
                continue;
            }
            List<Token> args = new ArrayList<>();
            Token last = t;
            Token dOpen = null;
            Body inner = null;
            while (pos < tokens.size()) {
                Token a = tokens.get(pos);
                if (a.is("}") || !sameLine(last, a)) {
                    break;
                }
                pos++;
                if (a.is("{")) {
                    dOpen = a;
                    inner = body(a);
                    break;
                }
                args.add(a);
                last = a;
            }
            directives.add(inner == null ? new Directive(t, List.copyOf(args), null, List.of(), null)
                    : new Directive(t, List.copyOf(args), dOpen, inner.directives(), inner.close()));
        }
    }

    /**
     * When a block is never closed, the missing '}' is usually further in: the first pair whose '}' is
     * indented unlike the line of its '{' most likely took the '}' of an outer block.
     */
    private String likelyCulprit() {
        Token[] culprit = null;
        for (Token[] pair : pairs) {
            if (!indent(pair[0]).equals(indent(pair[1])) && (culprit == null || pair[0].line() < culprit[0].line())) {
                culprit = pair;
            }
        }
        return culprit == null ? "" : " (the '{' on line " + culprit[0].line() + " is probably the one missing its '}': "
                + "the '}' on line " + culprit[1].line() + " that closes it is indented differently)";
    }

    private String indent(Token t) {
        int start = text.lastIndexOf('\n', t.start() - 1) + 1;
        int i = start;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return text.substring(start, i);
    }

    private void skipLine(Token first) {
        pos++;
        Token last = first;
        while (pos < tokens.size() && sameLine(last, tokens.get(pos))) {
            last = tokens.get(pos++);
        }
    }

    private static boolean sameLine(Token previous, Token next) {
        return next.line() == previous.endLine();
    }

    private CorefileException unmatchedClose(Token t) {
        return new CorefileException("unbalanced braces in " + name + ": the '}' on line " + t.line()
                + " has no matching '{'");
    }
}
