package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void helpListsEveryCommandAndPointsNewUsersAtTheDemo() {
        String[] r = run("--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("proxy").contains("demo").contains("Start with:  dnsflow demo");
    }

    @Test
    void aBadFlagGetsOneLineNamingItAndExitCode2() {
        String[] r = run("proxy", "--timeout", "fast");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--timeout").contains("fast").contains("Try 'dnsflow proxy --help'.");
        assertThat(r[2].lines().count()).isEqualTo(2);
    }

    @Test
    void anExtremeValueOfASharedProxyFlagIsOneLineWithTheRangeAndExitCode2() {
        for (String command : new String[] {"proxy", "sidecar"}) {
            String[] r = run(command, "--listen", "127.0.0.1:5399", "--upstream", "127.0.0.1:5399", "--admin", "off",
                    "--threads", "100000");
            assertThat(r[0]).isEqualTo("2");
            assertThat(r[2]).contains("--threads").contains("'100000' is out of range: it must be from 1 to 256")
                    .doesNotContain("OutOfMemoryError");
            assertThat(r[2].lines().count()).as(r[2]).isEqualTo(2);
        }
    }

    @Test
    void aProxyWithoutUpstreamAndLoopingToItselfIsRefusedBeforeStarting() {
        String[] r = run("proxy", "--listen", "127.0.0.1:5399", "--upstream", "127.0.0.1:5399", "--admin", "off");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--upstream 127.0.0.1:5399").contains("loop");
    }

    @Test
    void aPortInUseIsOneLineAndExitCode1() throws Exception {
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            String[] r = run("proxy", "--listen", "127.0.0.1:" + taken.getLocalPort(), "--upstream", "127.0.0.1:53",
                    "--admin", "off");
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[2]).contains("cannot listen on").contains(String.valueOf(taken.getLocalPort()))
                    .doesNotContain("\tat ");
        }
    }
}
