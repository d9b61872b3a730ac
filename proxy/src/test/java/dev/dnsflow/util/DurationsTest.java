package dev.dnsflow.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void rejectsADurationTooLongToCountInsteadOfCuttingItSilently() {
        assertThatThrownBy(() -> Durations.parse("99999999999h")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'99999999999h' is too long").hasMessageContaining("292 years");
        assertThatThrownBy(() -> Durations.parse("2562048h")).hasMessageContaining("too long");
        assertThatThrownBy(() -> Durations.parse("2562047h2562047h")).as("parts that add up past it")
                .hasMessageContaining("too long");
        assertThat(Durations.parse("2562047h")).isEqualTo(Duration.ofHours(2562047));
    }

    @Test
    void parsesFractionsExactly() {
        assertThat(Durations.parse("0.1s")).isEqualTo(Duration.ofMillis(100));
        assertThat(Durations.parse("1.000000001s")).isEqualTo(Duration.ofNanos(1_000_000_001));
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    }
}
