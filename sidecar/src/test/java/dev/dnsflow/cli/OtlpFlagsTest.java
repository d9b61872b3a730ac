package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.sidecar.SidecarCommand;
import dev.dnsflow.testing.CliRun;
import org.junit.jupiter.api.Test;

/** The OTLP export's flags are options of every serving command, and a bad value is refused naming the flag. */
class OtlpFlagsTest {
    @Test
    void everyServingCommandOffersTheOtlpFlags() {
        for (Object command : new Object[] {new ProxyCommand(), new SidecarCommand(), new NodelocalCommand()}) {
            assertThat(CliRun.of(command, "--help").out()).as(command.getClass().getSimpleName())
                    .contains("--otlp-endpoint=URL").contains("--otlp-sample=RATIO").contains("--otlp-slow=DURATION");
        }
    }

    @Test
    void aSampleRatioOutOfRangeIsRefusedNamingTheFlag() {
        CliRun bad = CliRun.of(new ProxyCommand(), "--otlp-sample", "2");

        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--otlp-sample").contains("out of range: give a ratio from 0 to 1");
    }
}
