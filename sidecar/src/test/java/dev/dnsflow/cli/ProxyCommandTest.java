package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.server.Plugins;
import dev.dnsflow.testing.CliRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dnsflow proxy}'s flags as a user meets them; nothing here starts a proxy. */
class ProxyCommandTest {
    /** Would loop, so even a value wrongly accepted ends in an error instead of a running proxy. */
    private static final String[] NEVER_STARTS = {"--listen", "127.0.0.1:5399", "--upstream", "127.0.0.1:5399", "--admin", "off"};

    private static CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(NEVER_STARTS));
        all.addAll(List.of(args));
        return CliRun.of(new ProxyCommand(), all.toArray(String[]::new));
    }

    private static ProxyCommand.ProxyOptions parse(String... args) {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs(args);
        return command.options;
    }

    private static String firstLine(CliRun r) {
        return r.err().lines().findFirst().orElse("");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--flow-log-keep,     -1,            1 to 1000",
        "--flow-log-keep,     0,             1 to 1000",
        "--flow-log-keep,     1001,          1 to 1000",
        "--flow-log-max-size, 0,             1MB to 100GB",
        "--flow-log-max-size, 64KB,          1MB to 100GB",
        "--flow-log-max-size, 101GB,         1MB to 100GB",
        "--flow-log-max-size, 99999999999GB, 1MB to 100GB"})
    void rejectsRotationValuesThatWouldBreakRotationNamingTheFlagAndTheRange(String flag, String value, String range) {
        CliRun r = run("--flow-log", "/tmp/dnsflow-never-written.jsonl", flag, value);
        assertThat(r.code()).isEqualTo(2);
        assertThat(firstLine(r)).contains(flag).contains("'" + value + "'").contains(range);
    }

    @Test
    void acceptsRotationValuesAtTheEndsOfTheRange() {
        ProxyCommand.ProxyOptions o = parse("--flow-log-keep", "1", "--flow-log-max-size", "1MB");
        assertThat(o.flowLogKeep).isEqualTo(1);
        assertThat(o.flowLogMaxSize).isEqualTo(1L << 20);
        o = parse("--flow-log-keep", "1000", "--flow-log-max-size", "100GB");
        assertThat(o.flowLogKeep).isEqualTo(1000);
        assertThat(o.flowLogMaxSize).isEqualTo(100L << 30);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--threads,              100000,       1 to 256",
        "--threads,              0,            1 to 256",
        "--threads,              99999999999,  1 to 256",
        "--timeout,              0,            1ms to 1m",
        "--timeout,              61s,          1ms to 1m",
        "--deadline,             99999999999h, 1ms to 1m",
        "--deadline,             2m,           1ms to 1m",
        "--attempts,             0,            1 to 20",
        "--attempts,             21,           1 to 20",
        "--max-fails,            0,            1 to 1000",
        "--max-fails,            1001,         1 to 1000",
        "--health-check,         0,            10ms to 1m",
        "--health-check,         100000000h,   10ms to 1m",
        "--sockets-per-upstream, 65,           1 to 64",
        "--socket-max-age,       100ms,        1s to 24h",
        "--socket-max-age,       25h,          1s to 24h",
        "--max-tcp-clients,      0,            1 to 100000",
        "--max-tcp-clients,      100001,       1 to 100000",
        "--max-pipelined,        0,            1 to 65535",
        "--max-pipelined,        65536,        1 to 65535",
        "--tcp-idle,             10ms,         100ms to 1h",
        "--tcp-idle,             2h,           100ms to 1h",
        "--metrics-name-label,   -1,           0 to 100000",
        "--metrics-name-label,   100001,       0 to 100000",
        "--shutdown-grace,       6m,           0ms to 5m"})
    void rejectsANumberOrDurationBeyondItsRangeNamingTheFlagAndTheRange(String flag, String value, String range) {
        CliRun r = run(flag, value);
        assertThat(r.code()).isEqualTo(2);
        assertThat(firstLine(r)).contains(flag).contains("'" + value + "'").contains(range);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void rejectsAChaosRuleDelayBeyondAMinuteNamingTheFieldAndTheRange() {
        // checked after the upstreams: a bad --allow (checked after chaos) keeps a wrongly accepted rule from starting a proxy
        CliRun r = CliRun.of(new ProxyCommand(), "--listen", "127.0.0.1:5399", "--upstream", "127.0.0.1:5398", "--admin", "off",
                "--allow", "not-a-range", "--chaos-rule", "delay delay=2h");
        assertThat(r.code()).isEqualTo(2);
        assertThat(firstLine(r)).contains("--chaos-rule 'delay delay=2h': delay: '2h' is out of range: it must be from 0ms to 1m");
    }

    @Test
    void rejectsAMalformedNumberWithTheRangeToo() {
        CliRun r = run("--threads", "many");
        assertThat(r.code()).isEqualTo(2);
        assertThat(firstLine(r)).contains("--threads").contains("'many' is not a whole number").contains("1 to 256");
    }

    @Test
    void acceptsValuesAtTheEndsOfEachRangeAndDefaultsWithinThem() {
        ProxyCommand.ProxyOptions o = parse("--threads", "256", "--timeout", "60s", "--deadline", "60s", "--attempts", "20",
                "--max-fails", "1000", "--health-check", "1m", "--sockets-per-upstream", "64", "--socket-max-age", "24h",
                "--max-tcp-clients", "100000", "--max-pipelined", "65535", "--tcp-idle", "1h", "--metrics-name-label", "100000");
        assertThat(o.threads).isEqualTo(256);
        assertThat(o.deadline).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.socketMaxAge).isEqualTo(Duration.ofHours(24));
        assertThat(o.maxPipelined).isEqualTo(65535);
        assertThat(o.metricsNameCap).isEqualTo(100000);
        o = parse("--threads", "1", "--timeout", "1ms", "--deadline", "1ms", "--attempts", "1", "--health-check", "10ms",
                "--socket-max-age", "1s", "--tcp-idle", "100ms", "--metrics-name-label");
        assertThat(o.timeout).isEqualTo(Duration.ofMillis(1));
        assertThat(o.tcpIdle).isEqualTo(Duration.ofMillis(100));
        assertThat(o.metricsNameCap).as("the flag alone").isEqualTo(1000);
        o = parse();
        assertThat(o.threads).isBetween(1, 256);
        assertThat(o.attempts).as("0: 3, or the number of upstreams").isZero();
    }

    @Test
    void handOffIsOffUnlessGivenAndOnWithoutAValue() {
        assertThat(CliRun.of(new ProxyCommand(), "--help").out()).contains("--hand-off").contains("--node-name")
                .contains("--hand-off-option");
        Flag<?> handOff = Plugins.flags().stream().filter(f -> f.name().equals("--hand-off")).findFirst().orElseThrow();
        CommandLine bare = new CommandLine(new ProxyCommand());
        bare.parseArgs("--hand-off");
        assertThat(PluginFlags.given(bare.getCommandSpec()).get(handOff)).isEqualTo(true);
        CommandLine off = new CommandLine(new ProxyCommand());
        off.parseArgs("--hand-off=off");
        assertThat(PluginFlags.given(off.getCommandSpec()).get(handOff)).isEqualTo(false);
        assertThat(PluginFlags.given(new CommandLine(new ProxyCommand()).parseArgs().commandSpec()).get(handOff)).isEqualTo(false);
        assertThat(CliRun.of(new ProxyCommand(), "--hand-off-option", "flow=65518x").code()).isEqualTo(2);
    }

    @Test
    void flagsPluginsDeclareAreOptionsOfTheCommandWithTheirHelp() {
        CliRun help = CliRun.of(new ProxyCommand(), "--help");
        assertThat(help.out()).contains("--minimal-responses").contains("Send successful answers with the answer section");

        ProxyCommand command = new ProxyCommand();
        CommandLine line = new CommandLine(command);
        line.parseArgs("--minimal-responses");
        Flag<?> minimal = Plugins.flags().stream().filter(f -> f.name().equals("--minimal-responses")).findFirst().orElseThrow();
        assertThat(PluginFlags.given(line.getCommandSpec()).get(minimal)).isEqualTo(true);
        assertThat(PluginFlags.given(new CommandLine(new ProxyCommand()).parseArgs().commandSpec()).get(minimal))
                .as("off unless given").isEqualTo(false);
    }

    @Test
    void theCacheFlagsAreOptionsWithTheirHelpAndABadValueNamesTheFlag() {
        String help = CliRun.of(new ProxyCommand(), "--help").out();
        assertThat(help).contains("--cache ").contains("--cache-success=CAP:TTL").contains("--cache-denial=CAP:TTL")
                .contains("--cache-prefetch[=AMOUNT:DURATION:PERCENT]").contains("--serve-stale=DURATION");

        CliRun bad = CliRun.of(new ProxyCommand(), "--cache", "--cache-success", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("'--cache-success': 'lots' is not CAP:TTL");
    }
}
