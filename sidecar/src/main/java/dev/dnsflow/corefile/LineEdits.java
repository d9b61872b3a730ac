package dev.dnsflow.corefile;

import dev.dnsflow.corefile.Corefile.Directive;
import dev.dnsflow.corefile.Corefile.ServerBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The edits {@link CorefilePatcher} makes to a Corefile's text, by original line number: whole lines
 * inserted before a line, and spans of a line replaced. {@link #assemble()} applies them; every other
 * byte, line terminators included, stays as it was.
 */
final class LineEdits {
    private final Corefile corefile;
    private final List<String> lines = new ArrayList<>(); // with their line terminators
    private final TreeMap<Integer, List<String>> inserts = new TreeMap<>();
    private final TreeMap<Integer, List<int[]>> replaceSpans = new TreeMap<>();
    private final TreeMap<Integer, List<String>> replaceTexts = new TreeMap<>();
    private final int[] lineStarts;

    LineEdits(Corefile corefile) {
        this.corefile = corefile;
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

    /** Whether any edit was made. */
    boolean changed() {
        return !inserts.isEmpty() || !replaceSpans.isEmpty();
    }

    /** The first of the whole-line comments directly above {@code line}, so a directive keeps its comment. */
    int aboveComments(int line) {
        int l = line;
        while (l > 1 && lines.get(l - 2).trim().startsWith("#")) {
            l--;
        }
        return l;
    }

    /** Inserts {@code texts} as lines before {@code beforeLine}, with {@code like}'s indentation and line terminator. */
    void insert(int beforeLine, Directive like, List<String> texts) {
        String line = lines.get(like.line() - 1);
        String indent = line.substring(0, line.length() - line.stripLeading().length());
        String eol = line.endsWith("\r\n") ? "\r\n" : "\n";
        List<String> at = inserts.computeIfAbsent(beforeLine, k -> new ArrayList<>());
        for (String t : texts) {
            at.add((t.isEmpty() ? "" : indent + t) + eol);
        }
    }

    /** Replaces the text from offset {@code start} to {@code end} (offsets in the whole text, both on {@code line}). */
    void replace(int line, int start, int end, String text) {
        int lineStart = lineStarts[line - 1];
        replaceSpans.computeIfAbsent(line, k -> new ArrayList<>()).add(new int[] {start - lineStart, end - lineStart});
        replaceTexts.computeIfAbsent(line, k -> new ArrayList<>()).add(text);
    }

    /** We insert whole lines before a directive, so nothing else may come before it on its line. */
    void requireOwnLine(Directive d) {
        int start = lineStarts[d.line() - 1];
        if (!corefile.text().substring(start, d.name().start()).isBlank()) {
            throw new CorefileException(corefile.name() + ": line " + d.line() + ": '" + d.nameText()
                    + "' shares its line with what comes before it; put it on a line of its own and run again");
        }
    }

    /** The block's indentation step (the first directive's indentation), for dnstap's options block. */
    String indentUnit(ServerBlock block) {
        if (!block.directives().isEmpty()) {
            String line = lines.get(block.directives().get(0).line() - 1);
            String indent = line.substring(0, line.length() - line.stripLeading().length());
            if (!indent.isEmpty() && block.open() != null) {
                return indent;
            }
        }
        return "    ";
    }

    /** The text with every edit applied. */
    String assemble() {
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
}
