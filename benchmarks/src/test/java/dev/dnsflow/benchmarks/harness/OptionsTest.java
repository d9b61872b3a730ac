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

    @Test
    void jarVariantsNameAnotherBuildAndAreRefusedWithoutALabel() {
        Options o = Options.parse(new String[] {"--jar-variant", "before=/tmp/before/dnsflow.jar"});

        assertThat(o.jarVariants).containsEntry("before", java.nio.file.Path.of("/tmp/before/dnsflow.jar"));
        assertThatThrownBy(() -> Options.parse(new String[] {"--jar-variant", "/tmp/before/dnsflow.jar"}))
                .hasMessageContaining("--jar-variant wants LABEL=PATH");
    }

    @Test
    void theDefaultMixAndSetupsStayAsTheyWere() {
        Options o = Options.parse(new String[0]);

        assertThat(o.mix).isEqualTo(QueryMix.Mix.DEFAULT);
        assertThat(o.setups).doesNotContainAnyElementsOf(Setup.CACHES);
    }

    @Test
    void cacheHitMixAloneMeasuresTheCachesBesideNsdDirect() {
        Options o = Options.parse(new String[] {"--mix", "cache-hit"});

        assertThat(o.mix).isEqualTo(QueryMix.Mix.CACHE_HIT);
        assertThat(o.setups).containsExactly(Setup.DIRECT, Setup.NODELOCAL_CACHE, Setup.DNSDIST_CACHE, Setup.UNBOUND_CACHE);
    }

    @Test
    void cacheSetupsCanBePickedAndMixedWithTheOthersUnderTheCacheHitMix() {
        Options o = Options.parse(new String[] {"--setups", "unbound-cache,dnsdist-tuned,dnsflow-nodelocal-cache,dnsdist-packetcache",
            "--mix", "cache-hit"});

        assertThat(o.setups).containsExactly(Setup.DIRECT, Setup.DNSDIST_TUNED, Setup.NODELOCAL_CACHE, Setup.DNSDIST_CACHE,
                Setup.UNBOUND_CACHE);
        assertThat(Options.parse(new String[] {"--mix", "cache-hit", "--setups", "dnsdist-packetcache"}).setups)
                .as("--setups after --mix").containsExactly(Setup.DIRECT, Setup.DNSDIST_CACHE);
    }

    @Test
    void cacheSetupsAreRefusedWithTheDefaultMix() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--setups", "dnsflow-rec-on,dnsdist-packetcache"}))
                .hasMessageContaining("dnsdist-packetcache").hasMessageContaining("--mix cache-hit");
        assertThatThrownBy(() -> Options.parse(new String[] {"--mix", "default", "--setups", "unbound-cache"}))
                .hasMessageContaining("--mix cache-hit");
    }

    @Test
    void anUnknownMixIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--mix", "hits"}))
                .hasMessageContaining("no mix hits").hasMessageContaining("cache-hit");
        assertThatThrownBy(() -> Options.parse(new String[] {"--mix"})).hasMessageContaining("--mix needs a value");
    }

    @Test
    void usageListsTheMixAndTheCaches() {
        assertThat(Options.USAGE).contains("--mix default|cache-hit").contains(Setup.NODELOCAL_CACHE)
                .contains(Setup.DNSDIST_CACHE).contains(Setup.UNBOUND_CACHE);
    }
}
