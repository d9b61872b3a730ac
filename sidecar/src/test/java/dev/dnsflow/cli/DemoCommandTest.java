package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

    @Test
    void replaysSuccessAndNameErrorOverUdpAndTcpAndPrintsOneLinePerFlow() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setOut(new PrintWriter(out));
        int code = cmd.execute("--duration", "300ms", "--interval", "1s");

        String text = out.toString();
        assertThat(code).isZero();
        assertThat(text).contains("dnsflow demo: upstream (embedded, zone example.com)");
        assertThat(text.lines().filter(l -> l.contains(" udp id=") && l.contains("example.com. A  NOERROR 192.0.2.1")))
                .hasSize(1);
        assertThat(text.lines().filter(l -> l.contains(" tcp id=") && l.contains("unknown.example.com. A  NXDOMAIN")))
                .hasSize(1);
        assertThat(text).contains("4 flows: 2 answered NOERROR, 2 NXDOMAIN, 0 other");
        // Each line names the ID received and a different ID sent upstream.
        assertThat(text.lines().filter(l -> l.matches(".* id=(\\d+) → dnsflow → \\S+ (udp|tcp) id=(?!\\1 )\\d+ .*"))).hasSize(4);
    }

    @Test
    void dropScenarioShowsEveryRetransmissionEndingAtDnsflowWhileOtherNamesResolve() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setOut(new PrintWriter(out));
        int code = cmd.execute("--scenario", "drop", "--duration", "1s");

        String text = out.toString();
        assertThat(code).isZero();
        assertThat(text.lines().findFirst()).hasValueSatisfying(first -> assertThat(first)
                .startsWith("a chaos rule drops example.com: watch each retransmission end at dnsflow as chaos_drop"));
        assertThat(text).contains("dnsflow demo: upstream (embedded, zone example.com)")
                .contains("waits 500ms").contains("CoreDNS waits 2s").contains("3 attempts at most");
        List<String> drops = text.lines().filter(l -> l.contains("chaos_drop by dnsflow")).toList();
        assertThat(drops).as(text).hasSize(3)
                .allSatisfy(l -> assertThat(l).contains(" udp id=").contains("  example.com. A  ")
                        .as("nothing sent upstream").matches(".* id=\\d+ → dnsflow  example\\.com\\. A .*"));
        assertThat(drops.stream().map(l -> l.replaceAll(".* id=(\\d+) → .*", "$1")))
                .as("each retransmission with a new ID").doesNotHaveDuplicates();
        assertThat(text.lines().filter(l -> l.contains("www.example.com. A  NOERROR 192.0.2.1"))).as(text).hasSize(1);
        assertThat(text.lines().filter(l -> l.contains("unknown.example.com. A  NXDOMAIN"))).as(text).hasSize(1);
        assertThat(text).contains("5 flows: 1 answered NOERROR, 1 NXDOMAIN, 3 chaos_drop, 0 other")
                .contains("3 chaos_drop flows (rule drop-example), none of them reached the upstream; "
                        + "the upstream received 2 queries, all for the other names");
    }

    @Test
    void rejectsAnUnknownScenarioNamingTheFlag() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("--scenario", "explode")).isEqualTo(2);
        assertThat(err.toString()).contains("--scenario").contains("explode").contains("success or drop");
    }

    @Test
    void rejectsABadDurationNamingTheFlag() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("--duration", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--duration").contains("soon");
    }
}
