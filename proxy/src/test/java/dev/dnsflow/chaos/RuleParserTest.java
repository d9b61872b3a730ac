package dev.dnsflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.flow.Transport;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class RuleParserTest {
    private static final Instant NOW = Instant.parse("2026-11-25T20:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static List<ChaosRule> yaml(String text) {
        return ChaosFile.parse(text, "chaos.yaml", CLOCK);
    }

    @Test
    void readsTheDocumentedRuleShape() {
        ChaosRule r = yaml("""
                rules:
                  - name: drop-example
                    match: {name: example.com, type: A, client: 10.0.0.0/8, transport: udp}
                    every: 2
                    action: drop
                    for: 5m
                    include-probes: false
                """).get(0);
        assertThat(r.name()).isEqualTo("drop-example");
        assertThat(r.match().test("EXAMPLE.com.")).isTrue();
        assertThat(r.types()).containsExactly(Type.A);
        assertThat(r.transport()).isEqualTo(Transport.UDP);
        assertThat(r.every()).isEqualTo(2);
        assertThat(r.action()).isEqualTo(ChaosAction.DROP);
        assertThat(r.expires()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
        assertThat(r.source()).isEqualTo("file");
    }

    @Test
    void readsTheFlagForm() {
        ChaosRule r = RuleParser.fromFlag("delay name=*.w.example.com delay=200ms jitter=50ms probability=0.25 rule=slow",
                "cli-1", NOW);
        assertThat(r.name()).isEqualTo("slow");
        assertThat(r.action()).isEqualTo(ChaosAction.DELAY);
        assertThat(r.delay()).isEqualTo(Duration.ofMillis(200));
        assertThat(r.jitter()).isEqualTo(Duration.ofMillis(50));
        assertThat(r.probability()).isEqualTo(0.25);
        assertThat(r.match().test("a.w.example.com.")).isTrue();
        assertThat(r.match().test("w.example.com.")).isFalse();
        assertThat(RuleParser.fromFlag("rcode rcode=NXDOMAIN", "cli-2", NOW).name()).isEqualTo("cli-2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{action: dorp}                              | action: unknown action 'dorp'",
        "{name: x}                                   | action: missing",
        "{action: delay}                             | delay: missing",
        "{action: drop, delay: 1s}                   | delay: only the delay",
        "{action: delay, delay: 2 seconds}           | delay: '2 seconds' is not a duration",
        "{action: rcode}                             | rcode: missing",
        "{action: rcode, rcode: OOPS}                | rcode: unknown rcode 'OOPS'",
        "{action: drop, rcode: SERVFAIL}             | rcode: only the rcode action",
        "{action: drop, every: 0}                    | every: must be a whole number",
        "{action: drop, probability: 1.5}            | probability: must be between 0 and 1",
        "{action: drop, every: 2, probability: 0.5}  | give either every or probability",
        "{action: drop, match: {name: '~('}}         | match.name: bad regular expression",
        "{action: drop, match: {type: NOPE}}         | match.type: unknown type 'NOPE'",
        "{action: drop, match: {client: 10.0.0.0/33}}| match.client",
        "{action: drop, match: {transport: quic}}    | match.transport: 'quic' must be udp or tcp",
        "{action: drop, match: {qname: x}}           | match: unknown field 'qname'",
        "{action: drop, colour: red}                 | unknown field 'colour'",
        "{action: drop, include-probes: yes please}  | include-probes: must be true or false",
        "{action: drop, name: 'no spaces'}           | name: 'no spaces'"})
    void rejectsABadRuleNamingItsPositionAndField(String rule, String message) {
        assertThatThrownBy(() -> yaml("rules:\n  - " + rule + "\n")).isInstanceOf(RuleException.class)
                .hasMessageContaining("chaos.yaml rules[0] (line 2)").hasMessageContaining(message.trim());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{action: delay, delay: 100000000h}         | delay: '100000000h' is too long (durations go up to 292 years); it must be from 0ms to 1m",
        "{action: delay, delay: 61s}                | delay: '61s' is out of range: it must be from 0ms to 1m",
        "{action: delay, delay: 1s, jitter: 2m}     | jitter: '2m' is out of range: it must be from 0ms to 1m",
        "{action: drop, for: 721h}                  | for: '721h' is out of range: it must be from 1ms to 720h",
        "{action: drop, for: 99999999999h}          | for: '99999999999h' is too long"})
    void rejectsChaosDurationsBeyondTheirRangeNamingTheFieldAndTheRange(String rule, String message) {
        assertThatThrownBy(() -> yaml("rules:\n  - " + rule + "\n")).isInstanceOf(RuleException.class)
                .hasMessageContaining("chaos.yaml rules[0] (line 2)").hasMessageContaining(message.trim());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{action: drop, every: 2.5}    | every: must be a whole number of at least 1, got '2.5'",
        "{action: drop, every: '2.5'}  | every: must be a whole number of at least 1, got '2.5'",
        "{action: drop, every: 2.0}    | every: must be a whole number of at least 1, got '2.0'",
        "{action: drop, every: -1}     | every: must be a whole number of at least 1, got '-1'",
        "{action: drop, every: often}  | every: must be a whole number of at least 1, got 'often'",
        "{action: drop, every: 99999999999999999999} | every: must be a whole number of at least 1"})
    void rejectsAnEveryThatIsNotAWholeNumberInsteadOfRoundingIt(String rule, String message) {
        assertThatThrownBy(() -> yaml("rules:\n  - " + rule + "\n")).isInstanceOf(RuleException.class)
                .hasMessageContaining("chaos.yaml rules[0] (line 2)").hasMessageContaining(message.trim());
    }

    @Test
    void readsEveryAsANumberOrAsAStringAndRejectsAFractionInTheFlagToo() {
        assertThat(yaml("rules: [{action: drop, every: 3}]").get(0).every()).isEqualTo(3);
        assertThat(yaml("rules: [{action: drop, every: '3'}]").get(0).every()).isEqualTo(3);
        assertThatThrownBy(() -> RuleParser.fromFlag("drop every=2.5", "cli-1", NOW)).isInstanceOf(RuleException.class)
                .hasMessageContaining("--chaos-rule 'drop every=2.5': every: must be a whole number of at least 1, got '2.5'");
    }

    @Test
    void rejectsAZeroForInsteadOfInstallingARuleThatHasAlreadyExpired() {
        assertThatThrownBy(() -> yaml("rules: [{action: drop, for: 0s}]")).isInstanceOf(RuleException.class)
                .hasMessageContaining("for: '0s' is out of range: it must be from 1ms to 720h");
        assertThatThrownBy(() -> RuleParser.fromFlag("drop for=0", "cli-1", NOW)).isInstanceOf(RuleException.class)
                .hasMessageContaining("--chaos-rule 'drop for=0': for: '0' is out of range");
        assertThat(yaml("rules: [{action: drop, for: 720h}]").get(0).expires()).isEqualTo(NOW.plus(Duration.ofDays(30)));
        assertThat(yaml("rules: [{action: delay, delay: 1m, jitter: 0s}]").get(0).delay()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void namesTheLineOfTheBadRuleInALongerFile() {
        assertThatThrownBy(() -> yaml("""
                rules:
                  - name: ok
                    action: drop
                  - name: broken
                    action: delay
                """)).hasMessageContaining("rules[1] (line 4)").hasMessageContaining("delay: missing");
        assertThatThrownBy(() -> yaml("rules: [ {action: drop")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> yaml("rulez: []")).hasMessageContaining("unknown key 'rulez'");
        assertThat(yaml("")).isEmpty();
    }

    @Test
    void rejectsTwoRulesWithOneName() {
        ChaosRules rules = new ChaosRules(CLOCK);
        assertThatThrownBy(() -> rules.replaceSource("file", yaml("rules: [{name: a, action: drop}, {name: a, action: drop}]")))
                .hasMessageContaining("'a' is used twice");
        assertThat(rules.list()).isEmpty();
    }

    @Test
    void firesOnEveryNthMatchAndAtAboutTheGivenProbability() throws Exception {
        InetAddress client = InetAddress.getLoopbackAddress();
        ChaosRule every3 = RuleParser.fromFlag("drop every=3", "e", NOW);
        int fired = 0;
        for (int i = 0; i < 30; i++) {
            fired += every3.fires("a.example.", Type.A, client, Transport.UDP, NOW) ? 1 : 0;
        }
        assertThat(fired).isEqualTo(10);
        ChaosRule quarter = RuleParser.fromFlag("drop probability=0.25", "p", NOW);
        fired = 0;
        for (int i = 0; i < 10_000; i++) {
            fired += quarter.fires("a.example.", Type.A, client, Transport.UDP, NOW) ? 1 : 0;
        }
        assertThat(fired).isBetween(2_250, 2_750); // ±5.8 standard deviations
    }

    @Test
    void leavesProbesAloneUnlessToldAndExpires() throws Exception {
        InetAddress client = InetAddress.getLoopbackAddress();
        ChaosRule all = RuleParser.fromFlag("drop name=~.* for=1m", "all", NOW);
        assertThat(all.fires(".", Type.NS, client, Transport.UDP, NOW)).isFalse();
        assertThat(all.fires("x.y.cluster.local.", Type.HINFO, client, Transport.UDP, NOW)).isFalse();
        assertThat(all.fires("example.com.", Type.A, client, Transport.UDP, NOW)).isTrue();
        assertThat(all.fires("example.com.", Type.A, client, Transport.UDP, NOW.plusSeconds(61))).isFalse();
        ChaosRule probes = RuleParser.fromFlag("drop name=~.* include-probes=true", "p", NOW);
        assertThat(probes.fires(".", Type.NS, client, Transport.UDP, NOW)).isTrue();
        ChaosRule truncate = RuleParser.fromFlag("truncate", "t", NOW);
        assertThat(truncate.fires("a.", Type.A, client, Transport.TCP, NOW)).as("TCP cannot be sent to TCP").isFalse();
    }
}
