package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.context.ContextOptions;
import dev.dnsflow.corefile.CorefilePatcher;
import dev.dnsflow.corefile.CorefileSnippet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import dev.dnsflow.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code dnsflow corefile}: golden files in {@code src/test/resources/corefile/} (NAME.Corefile in,
 * NAME.patched out). After an intended change of the output, regenerate them with
 * {@code -Ddnsflow.golden.update=true} and review the diff.
 */
class CorefileCommandTest {
    private static final String DIR = "/corefile/";
    private static final String[] POD_DNSTAP = {"--pod-metadata", "--dnstap", "tcp://127.0.0.1:6000"};

    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(new CorefileCommand(), args);
    }

    static String resource(String name) {
        try (InputStream in = CorefileCommandTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a resource to the temp dir, so the command reads a real file as it would in use. */
    Path file(String name) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, resource(name), StandardCharsets.UTF_8);
        return p;
    }

    static void assertGolden(String actual, String golden) {
        if (Boolean.getBoolean("dnsflow.golden.update")) {
            try {
                Files.writeString(Path.of("src/test/resources" + DIR + golden), actual, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(actual).as("output vs %s", golden).isEqualTo(resource(golden));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- the snippet

    @Test
    void printsTheRewriteRulesAndTheForwardWithComments() {
        CliRun r = run();
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertGolden(r.out(), "snippet.txt");
        assertThat(r.out().lines().filter(l -> !l.startsWith("#") && !l.isBlank())).containsExactly(
                "rewrite continue edns0 local set 0xffee {client_ip}",
                "rewrite continue edns0 local set 0xffef {client_port}",
                "rewrite continue edns0 local set 0xfff0 {protocol}",
                "forward . 127.0.0.1:5353");
    }

    @Test
    void podMetadataAddsPodAndNamespaceAndSaysWhatTheyNeed() {
        CliRun r = run(POD_DNSTAP);
        assertThat(r.code()).isZero();
        assertGolden(r.out(), "snippet-pod-dnstap.txt");
        assertThat(r.out()).contains("metadata\nrewrite continue edns0 local set 0xfff1 {kubernetes/client-pod-name}\n"
                + "rewrite continue edns0 local set 0xfff2 {kubernetes/client-namespace}\n");
        assertThat(r.out()).contains("\"pods verified\"").contains("metadata plugin");
        assertThat(r.out()).contains("\ndnstap tcp://127.0.0.1:6000 full\n")
                .contains("# CoreDNS 1.11.2 and later").contains("#     extra \"{remote}:{port} {>id}\"");
    }

    @Test
    void withoutDnstapOrPodMetadataThereIsNeitherLine() {
        String out = run("--pod-metadata").out();
        assertThat(out).contains("{kubernetes/client-pod-name}").doesNotContain("dnstap");
        out = run("--dnstap", "unix:///var/run/coredns/dnstap.sock").out();
        assertThat(out).contains("\ndnstap unix:///var/run/coredns/dnstap.sock full\n").doesNotContain("{kubernetes/");
    }

    @Test
    void dnstapExtraWritesTheOptionForReal() {
        String out = run("--dnstap", "tcp://10.0.0.1:6000", "--dnstap-extra").out();
        assertThat(out).contains("\ndnstap tcp://10.0.0.1:6000 full {\n    extra \"{remote}:{port} {>id}\"\n}\n")
                .contains("needs CoreDNS 1.11.2 or later");
    }

    @Test
    void aCustomContextOptionShowsUpInHexAndAsTheSettingDnsflowNeeds() {
        CliRun r = run("--context-option", "client_ip=65500", "--context-option", "namespace=0xffa0", "--pod-metadata");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\nrewrite continue edns0 local set 0xffdc {client_ip}\n")
                .contains("\nrewrite continue edns0 local set 0xffef {client_port}\n")
                .contains("\nrewrite continue edns0 local set 0xffa0 {kubernetes/client-namespace}\n")
                .contains("--context-option client_ip=65500 --context-option namespace=65440")
                .doesNotContain("0xffee");
    }

    @Test
    void listenChangesTheForward() {
        assertThat(run("--listen", "127.0.0.2:53").out()).contains("\nforward . 127.0.0.2:53\n");
        assertThat(run("--listen", "[::1]:5353").out()).contains("\nforward . [::1]:5353\n");
    }

    @Test
    void badFlagsAreOneLineNamingTheFlagWithExitCode2() {
        CliRun r = run("--context-option", "ip=65500");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--context-option").contains("client_ip, client_port, protocol, pod, namespace");
        r = run("--context-option", "client_ip=8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not 8 (ECS)");
        r = run("--context-option", "client_ip=65519");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("client_ip and client_port both use code 65519 (0xffef)");
        r = run("--listen", "localhost:5353");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--listen").contains("IP address");
        r = run("--listen", "127.0.0.1");
        assertThat(r.code()).isEqualTo(2);
        r = run("--dnstap", "127.0.0.1:6000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--dnstap").contains("tcp://HOST:PORT");
        assertThat(run("--in-place").code()).isEqualTo(2);
        assertThat(run("--all-forwards").code()).isEqualTo(2);
        assertThat(run("--dnstap-extra").code()).isEqualTo(2);
        assertThat(run("--patch", "-", "--in-place").code()).isEqualTo(2);
    }

    @Test
    void contextOptionDefaultsAreTheDocumentedCodes() {
        assertThat(ContextOptions.defaults()).containsExactly(
                java.util.Map.entry(ContextOptions.Field.CLIENT_IP, 65518),
                java.util.Map.entry(ContextOptions.Field.CLIENT_PORT, 65519),
                java.util.Map.entry(ContextOptions.Field.PROTOCOL, 65520),
                java.util.Map.entry(ContextOptions.Field.POD, 65521),
                java.util.Map.entry(ContextOptions.Field.NAMESPACE, 65522));
        assertThat(ContextOptions.hex(ContextOptions.CLIENT_IP)).isEqualTo("0xffee");
        assertThat(ContextOptions.parseSetting("CLIENT_PORT=0xFFAA")).isEqualTo(
                new ContextOptions.Setting(ContextOptions.Field.CLIENT_PORT, 0xffaa));
    }

    // ---- patching

    static Stream<Arguments> goldens() {
        return Stream.of(
                Arguments.of("kubeadm.Corefile", "kubeadm.patched", new String[0]),
                Arguments.of("kubeadm.Corefile", "kubeadm.pod-dnstap.patched", POD_DNSTAP),
                Arguments.of("with-comments.Corefile", "with-comments.patched", new String[0]),
                Arguments.of("multiple-blocks.Corefile", "multiple-blocks.patched", new String[0]),
                Arguments.of("multiple-blocks.Corefile", "multiple-blocks.all-forwards.patched", new String[] {"--all-forwards"}),
                Arguments.of("forward-with-options.Corefile", "forward-with-options.patched", new String[0]));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("goldens")
    void patchesAsTheGoldenFileSays(String input, String golden, String[] args) throws IOException {
        CliRun r = run(concat(args, "--patch", file(input).toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertGolden(r.out(), golden);
    }

    @ParameterizedTest(name = "{1} stays as it is")
    @MethodSource("goldens")
    void patchingAPatchedFileChangesNothing(String input, String golden, String[] args) throws IOException {
        CliRun r = run(concat(args, "--patch", file(golden).toString()));
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(resource(golden));
        assertThat(r.err()).contains("already points at dnsflow; nothing changed");
    }

    @ParameterizedTest(name = "{0}: only lines added, the forward's destinations replaced")
    @MethodSource("goldens")
    void everyOriginalLineSurvivesExceptTheRedirectedForwards(String input, String golden, String[] args) {
        CorefilePatcher.Result result = CorefilePatcher.patch(resource(input), input,
                new CorefileSnippet(ContextOptions.defaults(), "127.0.0.1:5353", args.length > 1, args.length > 1 ? "/tmp/x" : null,
                        false), args.length == 1);
        List<String> out = new ArrayList<>(result.text().lines().toList());
        for (String line : resource(input).lines().toList()) {
            int at = out.indexOf(line);
            if (at < 0) {
                assertThat(line.trim()).startsWith("forward ");
                at = out.indexOf(out.stream().filter(l -> l.trim().startsWith("forward ") && l.contains("127.0.0.1:5353"))
                        .findFirst().orElseThrow());
            }
            out.subList(0, at + 1).clear(); // in order
        }
    }

    @Test
    void keepsCrLfLineEndings() throws IOException {
        Path crlf = tmp.resolve("crlf.Corefile");
        Files.writeString(crlf, resource("kubeadm.Corefile").replace("\n", "\r\n"));
        CliRun r = run("--patch", crlf.toString());
        assertThat(r.out()).isEqualTo(resource("kubeadm.patched").replace("\n", "\r\n"));
    }

    @Test
    void anAlreadyPatchedFileWrittenAnotherWayIsRecognised() throws IOException {
        Path p = file("already-patched.Corefile");
        for (String[] args : List.of(POD_DNSTAP, new String[0])) {
            CliRun r = run(concat(args, "--patch", p.toString()));
            assertThat(r.code()).isZero();
            assertThat(r.out()).isEqualTo(resource("already-patched.Corefile"));
            assertThat(r.err()).isEqualTo("dnsflow corefile: " + p + " already points at dnsflow; nothing changed\n");
        }
    }

    @Test
    void addsOnlyWhatIsMissingToAPartlyPatchedFile() throws IOException {
        CliRun r = run(concat(POD_DNSTAP, "--patch", file("kubeadm.patched").toString()));
        String added = "    # dnsflow forwards to: /etc/resolv.conf";
        assertThat(r.out()).contains("    rewrite continue edns0 local set 0xfff0 {protocol}\n    metadata\n"
                + "    rewrite continue edns0 local set 0xfff1 {kubernetes/client-pod-name}\n"
                + "    rewrite continue edns0 local set 0xfff2 {kubernetes/client-namespace}\n"
                + "    dnstap tcp://127.0.0.1:6000 full\n");
        assertThat(r.out().split(added, -1)).hasSize(2);
        assertThat(r.out().split("# dnsflow: pass the real client", -1)).hasSize(2);
        assertThat(r.err()).contains("needs 'pods verified'").contains("'pods insecure' (line 8)");
    }

    @Test
    void stubDomainForwardsStayUnlessAllForwards() throws IOException {
        CliRun r = run("--patch", file("multiple-blocks.Corefile").toString());
        assertThat(r.out()).contains("consul:53 {\n    errors\n    cache 30\n    forward . 10.0.0.5\n}")
                .contains("    forward example.org. 10.0.0.9\n");
        assertThat(r.err()).contains("line 21: 'forward example.org. 10.0.0.9' still goes straight upstream");
        r = run("--patch", file("multiple-blocks.Corefile").toString(), "--all-forwards");
        assertThat(r.out()).doesNotContain("forward . 10.0.0.5").contains("# dnsflow forwards to: 10.0.0.5  (give these");
        assertThat(r.err()).contains("--all-forwards: the redirected forwards went to different places");
    }

    @Test
    void aCorefileWithOnlyStubDomainForwardsPointsAtAllForwards() throws IOException {
        Path p = tmp.resolve("stub.Corefile");
        Files.writeString(p, "consul:53 {\n    forward . 10.0.0.5\n}\n.:53 {\n    kubernetes cluster.local\n}\n");
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no 'forward .' in a server block for the root zone")
                .contains("'forward . 10.0.0.5' in consul:53 (line 2)").contains("--all-forwards");
        assertThat(run("--patch", p.toString(), "--all-forwards").code()).isZero();
    }

    @Test
    void noForwardIsAClearErrorNamingTheFile() throws IOException {
        Path p = file("no-forward.Corefile");
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("dnsflow corefile: no 'forward' directive found in " + p
                + ": nothing to point at dnsflow\n");
    }

    @Test
    void unbalancedBracesNameTheLine() throws IOException {
        Path p = file("unbalanced.Corefile");
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("unbalanced braces in " + p + ": the '{' on line 1 is never closed")
                .contains("the '{' on line 3 is probably the one missing its '}'");

        Path extra = tmp.resolve("extra.Corefile");
        Files.writeString(extra, ".:53 {\n    forward . 1.1.1.1\n}\n}\n");
        r = run("--patch", extra.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("the '}' on line 4 has no matching '{'");

        Path quote = tmp.resolve("quote.Corefile");
        Files.writeString(quote, ".:53 {\n    log . \"{remote}\n    forward . 1.1.1.1\n}\n");
        r = run("--patch", quote.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("line 2: the quoted string that starts here is never closed");
    }

    @Test
    void aRewriteRuleThatAlreadyUsesOurCodeForSomethingElseIsAnError() throws IOException {
        Path p = tmp.resolve("conflict.Corefile");
        Files.writeString(p, ".:53 {\n    rewrite edns0 local set 0xffee {qname}\n    forward . 1.1.1.1\n}\n");
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("line 2").contains("0xffee").contains("--context-option client_ip=CODE");
        r = run("--patch", p.toString(), "--context-option", "client_ip=65500");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("    rewrite continue edns0 local set 0xffdc {client_ip}\n");
    }

    @Test
    void bracesInsideTokensQuotesAndCommentsAreNotBlocks() throws IOException {
        Path p = tmp.resolve("tricky.Corefile");
        String in = ".:53 {\n    log . \"{remote} }\" # } {\n    template IN A example.org {\n        answer \"{{ .Name }} 60 IN A 192.0.2.1\"\n"
                + "    }\n    forward . 1.1.1.1 # {\n}\n";
        Files.writeString(p, in);
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("    # dnsflow forwards to: 1.1.1.1  (give these to dnsflow with --upstream)\n"
                + "    forward . 127.0.0.1:5353 # {\n}\n");
    }

    @Test
    void aSingleServerBlockWithoutBracesIsPatchedToo() throws IOException {
        Path p = tmp.resolve("bare.Corefile");
        Files.writeString(p, ".\nforward . 9.9.9.9\nlog\n");
        CliRun r = run("--patch", p.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(".\n# dnsflow: pass the real client (address, port, protocol) to dnsflow in EDNS0 local options\n"
                + "rewrite continue edns0 local set 0xffee {client_ip}\nrewrite continue edns0 local set 0xffef {client_port}\n"
                + "rewrite continue edns0 local set 0xfff0 {protocol}\n"
                + "# dnsflow forwards to: 9.9.9.9  (give these to dnsflow with --upstream)\nforward . 127.0.0.1:5353\nlog\n");
    }

    @Test
    void inPlaceWritesTheFileBackAndKeepsABackup() throws IOException {
        Path p = file("kubeadm.Corefile");
        CliRun r = run("--patch", p.toString(), "--in-place");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("patched " + p + " (the original is in " + p + ".bak):\n")
                .contains(".:53: added 3 rewrite rules before line 13")
                .contains(".:53: 'forward .' on line 13 now goes to dnsflow at 127.0.0.1:5353 (was /etc/resolv.conf)");
        assertThat(Files.readString(p)).isEqualTo(resource("kubeadm.patched"));
        assertThat(Files.readString(tmp.resolve("kubeadm.Corefile.bak"))).isEqualTo(resource("kubeadm.Corefile"));

        r = run("--patch", p.toString(), "--in-place");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(p + " already points at dnsflow; nothing changed\n");
        assertThat(Files.readString(p)).isEqualTo(resource("kubeadm.patched"));
        assertThat(Files.readString(tmp.resolve("kubeadm.Corefile.bak"))).isEqualTo(resource("kubeadm.Corefile"));
    }

    @Test
    void aMissingFileIsExitCode1() {
        CliRun r = run("--patch", tmp.resolve("nope").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no such file");
    }
}
