package dev.dnsflow.cli;

import dev.dnsflow.context.ContextOptions;
import dev.dnsflow.context.ContextOptions.Field;
import dev.dnsflow.corefile.CorefileException;
import dev.dnsflow.corefile.CorefilePatcher;
import dev.dnsflow.corefile.CorefileSnippet;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code dnsflow corefile}: the CoreDNS side of the sidecar setup. Prints the Corefile lines (rewrite
 * rules that carry the real client in EDNS0 local options, the forward to dnsflow, optionally dnstap)
 * with comments, or patches an existing Corefile ({@code --patch}).
 */
@Command(name = "corefile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Print the Corefile lines that put dnsflow behind CoreDNS, or patch a Corefile to do it.",
            "",
            "Without --patch it prints, with a comment for each, the rewrite rules that carry the real client "
                + "(address, port, protocol; pod and namespace with --pod-metadata) to dnsflow in EDNS0 local options, "
                + "and the forward line.",
            "",
            "With --patch FILE it prints FILE with every 'forward .' of a root-zone block (such as .:53) sent to dnsflow: "
                + "the forward keeps its { ... } options, its old destinations go into a comment above it (give them to "
                + "dnsflow with --upstream), and the rewrite rules go in just before it. Everything else stays byte for "
                + "byte, and a patched file patches to itself. Exit code 1 when there is no forward to redirect or the "
                + "file does not parse (the message names the line).",
            ""},
        footer = {"", "Examples:",
            "  dnsflow corefile",
            "  dnsflow corefile --pod-metadata --dnstap tcp://127.0.0.1:6000",
            "  kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}' > Corefile",
            "  dnsflow corefile --patch Corefile > Corefile.dnsflow && diff Corefile Corefile.dnsflow",
            "  dnsflow corefile --patch Corefile --in-place          (keeps the original in Corefile.bak)"})
public final class CorefileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = CorefileSnippet.DEFAULT_LISTEN,
            description = "dnsflow's address, where CoreDNS forwards to (default: ${DEFAULT-VALUE}); an IP address, as forward needs.")
    String listen;

    @Option(names = "--context-option", paramLabel = "FIELD=CODE", converter = ContextSetting.class,
            description = {"EDNS0 option code for one field, decimal or 0x hex, repeatable; the same setting dnsflow takes. "
                + "Defaults: client_ip=65518 (0xffee), client_port=65519 (0xffef), protocol=65520 (0xfff0), "
                + "pod=65521 (0xfff1), namespace=65522 (0xfff2)."})
    List<String> contextOptions = new ArrayList<>();

    @Option(names = "--pod-metadata",
            description = "Also carry the client pod's name and namespace (needs the metadata plugin and 'pods verified').")
    boolean podMetadata;

    @Option(names = "--dnstap", paramLabel = "ENDPOINT",
            description = "Also turn on CoreDNS's dnstap to this endpoint: tcp://HOST:PORT, unix:///PATH or /PATH.")
    String dnstap;

    @Option(names = "--dnstap-extra",
            description = "With --dnstap: set dnstap's extra field to \"" + CorefileSnippet.DNSTAP_EXTRA + "\" (client address, "
                + "port, message ID) instead of only suggesting it; needs CoreDNS " + CorefileSnippet.DNSTAP_EXTRA_SINCE + " or later.")
    boolean dnstapExtra;

    @Option(names = "--patch", paramLabel = "FILE|-",
            description = "Patch this Corefile (- reads standard input) and print the result.")
    String patch;

    @Option(names = "--in-place", description = "With --patch FILE: write the result back to FILE, keeping the original as FILE.bak.")
    boolean inPlace;

    @Option(names = "--all-forwards",
            description = "With --patch: redirect every forward, also those for other zones (forward consul. 10.0.0.5, "
                + "or forward . in a consul:53 block).")
    boolean allForwards;

    @Override
    public Integer call() throws IOException {
        CorefileSnippet snippet = snippet();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Field f : snippet.fields()) {
            if (!ContextOptions.isLocalUse(snippet.code(f))) {
                err.println("warning: " + f.key() + " uses option code " + snippet.code(f) + ", outside the local-use range "
                        + ContextOptions.LOCAL_USE_FIRST + "-" + ContextOptions.LOCAL_USE_LAST + "; a standard EDNS0 option may use it");
            }
        }
        if (patch == null) {
            snippet.render().forEach(out::println);
            out.flush();
            err.flush();
            return 0;
        }
        return patch(snippet, out, err);
    }

    private CorefileSnippet snippet() {
        if (patch == null && (inPlace || allForwards)) {
            throw new ParameterException(spec.commandLine(), (inPlace ? "--in-place" : "--all-forwards") + " works with --patch FILE");
        }
        if (inPlace && "-".equals(patch)) {
            throw new ParameterException(spec.commandLine(), "--in-place needs a file, not standard input (--patch -)");
        }
        if (dnstapExtra && dnstap == null) {
            throw new ParameterException(spec.commandLine(), "--dnstap-extra works with --dnstap ENDPOINT");
        }
        InetSocketAddress address = CorefileSnippet.ipPort(listen, -1);
        if (address == null || address.getPort() <= 0) {
            throw new ParameterException(spec.commandLine(), "--listen: '" + listen + "': CoreDNS's forward needs an IP address and "
                    + "port, e.g. " + CorefileSnippet.DEFAULT_LISTEN + " or [::1]:5353");
        }
        Map<Field, Integer> codes;
        try {
            codes = ContextOptions.codes(contextOptions);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--context-option: " + e.getMessage());
        }
        try {
            return new CorefileSnippet(codes, listen, podMetadata, dnstap, dnstapExtra);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dnstap: " + e.getMessage());
        }
    }

    private int patch(CorefileSnippet snippet, PrintWriter out, PrintWriter err) throws IOException {
        String name = "-".equals(patch) ? "<stdin>" : patch;
        CorefilePatcher.Result result;
        try {
            String text = "-".equals(patch) ? decode(System.in.readAllBytes(), name) : read(Path.of(patch));
            result = CorefilePatcher.patch(text, name, snippet, allForwards);
        } catch (CorefileException | NoSuchFileException e) {
            err.println("dnsflow corefile: " + (e instanceof NoSuchFileException ? "no such file: " + patch : e.getMessage()));
            err.flush();
            return 1;
        }
        result.warnings().forEach(w -> err.println("warning: " + w));
        if (!inPlace) {
            out.print(result.text());
            out.flush();
            if (!result.changed()) {
                err.println("dnsflow corefile: " + name + " already points at dnsflow; nothing changed");
            }
            err.flush();
            return 0;
        }
        Path file = Path.of(patch);
        if (!result.changed()) {
            out.println(file + " already points at dnsflow; nothing changed");
        } else {
            Path backup = file.resolveSibling(file.getFileName() + ".bak");
            Files.copy(file, backup, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            Files.writeString(file, result.text(), StandardCharsets.UTF_8);
            out.println("patched " + file + " (the original is in " + backup + "):");
            result.changes().forEach(c -> out.println("  " + c));
        }
        out.flush();
        err.flush();
        return 0;
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return decode(in.readAllBytes(), file.toString());
        }
    }

    /** Strict UTF-8, so writing the text back cannot change a byte. */
    private static String decode(byte[] bytes, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CorefileException(name + " is not UTF-8 text");
        }
    }

    /** Checks one {@code FIELD=CODE} as it is given, so the error names the flag and the value. */
    public static final class ContextSetting implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                ContextOptions.parseSetting(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
