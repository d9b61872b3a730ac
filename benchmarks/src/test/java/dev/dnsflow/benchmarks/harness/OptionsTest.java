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

    @Test
    void dnsflowJvmRunsTheJarWithOnlyThoseFlags() {
        Options o = Options.parse(new String[] {"--dnsflow-jvm", "-XX:MaxRAM=256m  -XX:+UseSerialGC"});

        assertThat(o.dnsflowFlags()).isEqualTo("`java -XX:MaxRAM=256m  -XX:+UseSerialGC -jar dnsflow.jar` (no launcher)");
        assertThat(Harness.jvmCommand(o.dnsflowJvm)).startsWith("java", "-XX:MaxRAM=256m", "-XX:+UseSerialGC", "-jar")
                .last().asString().endsWith("sidecar/target/dnsflow.jar");
        assertThat(Options.parse(new String[0]).dnsflowFlags()).isEqualTo("the launcher's JVM flags");
    }
}
