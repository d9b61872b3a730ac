package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
    void rejectsABadDurationNamingTheFlag() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("--duration", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--duration").contains("soon");
    }
}
