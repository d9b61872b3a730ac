package dev.dnsflow.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NamePatternTest {
    /** 54 a's: under a backtracking matcher, {@code ((a+)+)+b} needs more steps than the universe has seconds. */
    static final String LONG_A_NAME = "a".repeat(54) + ".example.com.";

    @Test
    void matchesExactlyBelowAndBySearch() {
        assertThat(NamePattern.parse("Example.COM").test("example.com.")).isTrue();
        assertThat(NamePattern.parse("*.example.com").test("www.example.com.")).isTrue();
        assertThat(NamePattern.parse("*.example.com").test("example.com.")).isFalse();
        assertThat(NamePattern.parse("~^API\\.").test("api.example.com.")).isTrue();
        assertThat(NamePattern.parse("~^api\\.").test("www.example.com.")).isFalse();
    }

    @Test
    void aCatastrophicPatternEndsInLinearTime() {
        NamePattern evil = NamePattern.parse("~((a+)+)+b");
        // Not a speed test: without a linear-time matcher this never ends at all.
        boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> evil.test(LONG_A_NAME));
        assertThat(matched).isFalse();
        assertThat(evil.test("aaab.example.com.")).isTrue();
    }

    @Test
    void refusesWhatLinearMatchingCannotDoAndSaysWhy() {
        assertThatThrownBy(() -> NamePattern.parse("~(a)\\1")).hasMessageContaining("bad regular expression")
                .hasMessageContaining("RE2 syntax");
        assertThatThrownBy(() -> NamePattern.parse("~(?=a)")).hasMessageContaining("no backreferences or lookaround");
        assertThatThrownBy(() -> NamePattern.parse("~" + "a".repeat(1001))).hasMessageContaining("longer than 1000");
    }
}
