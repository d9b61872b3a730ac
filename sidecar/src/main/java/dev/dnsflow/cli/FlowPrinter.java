package dev.dnsflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowText;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.Outcome;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * How {@code dnsflow observe} prints flows it got from the API as JSON trees: compact (one line per
 * flow, the demo's {@link FlowText} line, coloured on a terminal), table (aligned columns), json
 * (each flow as the API sent it, one per line, for jq) or yaml (one document per flow). Flows from several
 * instances ({@code --kubernetes}) name theirs: compact lines start with it, a table has an INSTANCE column first,
 * json and yaml carry the {@code "instance"} field the source added.
 */
final class FlowPrinter {
    /** The {@code -o} choices. */
    enum Format {
        COMPACT, TABLE, JSON, YAML;

        static Format parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not an output format (compact, table, json, yaml)");
            }
        }
    }

    /** How a flow ended, as its colour says. */
    enum Severity {
        /** Answered NOERROR with records. */
        OK("\u001b[32m"),
        /** Answered, but NXDOMAIN, NODATA (NOERROR without records) or another non-failure rcode. */
        WARN("\u001b[33m"),
        /** SERVFAIL, REFUSED, FORMERR, NOTIMP (from upstream or from dnsflow), or no answer at all. */
        FAIL("\u001b[31m");

        final String ansi;

        Severity(String ansi) {
            this.ansi = ansi;
        }
    }

    static final List<String> COLUMNS =
            List.of("TIME", "CLIENT", "ID", "UPSTREAM", "SENT-ID", "NAME", "TYPE", "RCODE", "OUTCOME", "RTT", "TOTAL");
    static final String INSTANCE_COLUMN = "INSTANCE";
    private static final String RESET = "\u001b[0m";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Format format;
    private final boolean color;
    private final PrintWriter out;
    private final List<String> columns;
    private final int[] widths;
    private boolean headerPrinted;

    FlowPrinter(Format format, boolean color, PrintWriter out) {
        this(format, color, out, false);
    }

    /** @param instances whether flows name their instance (a table gets the INSTANCE column) */
    FlowPrinter(Format format, boolean color, PrintWriter out, boolean instances) {
        this.format = format;
        this.color = color;
        this.out = out;
        List<String> cols = new ArrayList<>();
        if (instances) {
            cols.add(INSTANCE_COLUMN);
        }
        cols.addAll(COLUMNS);
        this.columns = List.copyOf(cols);
        this.widths = new int[columns.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = columns.get(i).length();
        }
    }

    /** Prints flows given together, oldest first; a table sizes its columns to fit them all. */
    void print(List<JsonNode> flows) {
        if (format == Format.TABLE) {
            List<Flow> read = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode node : flows) {
                Flow f = JsonFlows.read(node);
                read.add(f);
                rows.add(cells(node, f));
            }
            rows.forEach(this::widen);
            for (int i = 0; i < rows.size(); i++) {
                printRow(rows.get(i), read.get(i));
            }
        } else {
            flows.forEach(this::printOne);
        }
        out.flush();
    }

    /** Prints one flow as it arrives (follow mode); table columns widen as needed, the header stays. */
    void print(JsonNode flow) {
        printOne(flow);
        out.flush();
    }

    private void printOne(JsonNode node) {
        switch (format) {
            case JSON -> out.println(json(node));
            case YAML -> out.print(yaml(node));
            case TABLE -> {
                Flow f = JsonFlows.read(node);
                List<String> row = cells(node, f);
                widen(row);
                printRow(row, f);
            }
            default -> out.println(instancePrefix(node) + compact(JsonFlows.read(node)));
        }
    }

    /** {@code "kube-system/coredns-b  "} for a flow that names its instance, else nothing. */
    private static String instancePrefix(JsonNode node) {
        return node.hasNonNull(FlowSource.INSTANCE) ? node.get(FlowSource.INSTANCE).asText() + "  " : "";
    }

    /** The row of this printer's columns: the instance first when there is that column. */
    private List<String> cells(JsonNode node, Flow f) {
        List<String> row = row(f);
        if (columns.size() == row.size()) {
            return row;
        }
        List<String> withInstance = new ArrayList<>(columns.size());
        withInstance.add(node.path(FlowSource.INSTANCE).asText("-"));
        withInstance.addAll(row);
        return withInstance;
    }

    String compact(Flow f) {
        if (!color) {
            return FlowText.compact(f);
        }
        Severity severity = severity(f);
        return FlowText.compact(f, (part, text) -> part == FlowText.Part.RESULT ? paint(severity, text)
                : paint(text.equals(AttemptOutcome.TRUNCATED.json()) ? Severity.WARN : Severity.FAIL, text));
    }

    static Severity severity(Flow f) {
        if (f.outcome() != Outcome.ANSWERED || f.response() == null) {
            return Severity.FAIL;
        }
        int rcode = f.response().rcode();
        if (rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED || rcode == Rcode.FORMERR || rcode == Rcode.NOTIMP) {
            return Severity.FAIL;
        }
        return rcode == Rcode.NOERROR && f.response().answers() > 0 ? Severity.OK : Severity.WARN;
    }

    /** The flow exactly as the API sent it, on one line: same fields, same names, same order. */
    static String json(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document, starting with {@code ---}. */
    static String yaml(JsonNode node) {
        try {
            return YAML.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The table cells; several attempts share a cell, comma-separated, in the order they were made. */
    static List<String> row(Flow f) {
        StringJoiner upstreams = new StringJoiner(",");
        StringJoiner ids = new StringJoiner(",");
        StringJoiner rtts = new StringJoiner(",");
        for (Attempt a : f.attempts()) {
            upstreams.add(a.upstream() + (a.transport() == f.client().transport() ? "" : "/" + a.transport().json()));
            ids.add(String.valueOf(a.id()));
            rtts.add(FlowText.millis(a.rttMicros()) + (a.outcome() == AttemptOutcome.ANSWERED ? "" : "(" + a.outcome().json() + ")"));
        }
        String rcode = f.response() == null ? "-" : Rcode.string(f.response().rcode()) + (f.response().truncated() ? ",TC" : "");
        return List.of(FlowText.clock(f.timeEpochNanos()),
                client(f),
                String.valueOf(f.query().id()), dash(upstreams.toString()), dash(ids.toString()),
                f.query().name() == null ? "(unreadable)" : f.query().name(),
                f.query().name() == null ? "-" : Type.string(f.query().type()), rcode, f.outcome().json(),
                dash(rtts.toString()), FlowText.millis(f.durationMicros()));
    }

    /** {@code default/mypod} when who asked is known (the address stays in -o json), else {@code 10.244.0.5:50759/udp}. */
    private static String client(Flow f) {
        return K8sNames.asker(f) != null ? FlowText.asker(f)
                : FlowText.hostPort(f.client().ip(), f.client().port()) + "/" + f.client().transport().json();
    }

    private void widen(List<String> row) {
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(widths[i], row.get(i).length());
        }
    }

    private void printRow(List<String> row, Flow f) {
        if (!headerPrinted) {
            out.println(line(columns, null));
            headerPrinted = true;
        }
        out.println(line(row, color ? severity(f) : null));
    }

    /** Cells padded to the column widths, two spaces apart; colour wraps the padded RCODE cell only. */
    private String line(List<String> cells, Severity rcodeColor) {
        StringBuilder sb = new StringBuilder(160);
        int rcodeColumn = columns.indexOf("RCODE");
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            boolean last = i == cells.size() - 1;
            String padded = last ? cell : cell + " ".repeat(widths[i] - cell.length()) + "  ";
            sb.append(i == rcodeColumn && rcodeColor != null ? paint(rcodeColor, cell) + padded.substring(cell.length()) : padded);
        }
        return sb.toString();
    }

    private static String paint(Severity severity, String text) {
        return severity.ansi + text + RESET;
    }

    private static String dash(String cell) {
        return cell.isEmpty() ? "-" : cell;
    }
}
