package dev.dnsflow.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void everySetupByDefault() {
        assertThat(Options.parse(new String[0]).setups).isEqualTo(Setup.ALL).contains(Setup.NAMES_ON);
    }

    @Test
    void setupsPicksSomeInTheRoundsOrderWithNsdDirectAlways() {
        Options o = Options.parse(new String[] {"--setups", "dnsflow-names-on, dnsflow-rec-on"});

        assertThat(o.setups).containsExactly(Setup.DIRECT, Setup.FLOW_ON, Setup.NAMES_ON);
        assertThat(o.commandLine()).isEqualTo("benchmarks/run --setups 'dnsflow-names-on, dnsflow-rec-on'");
    }

    @Test
    void anUnknownSetupIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--setups", "dnsflow-rec-on,coredns"}))
                .hasMessageContaining("no setup coredns").hasMessageContaining(Setup.NAMES_ON);
        assertThatThrownBy(() -> Options.parse(new String[] {"--setups", ","})).hasMessageContaining("at least one");
    }
}
