package dev.dnsflow.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {
    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void save() {
        NettyDefaults.DEFAULTS.keySet().forEach(k -> saved.put(k, System.getProperty(k)));
    }

    @AfterEach
    void restore() {
        saved.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }

    @Test
    void setsProductionDefaultsButAUsersDashDWins() {
        System.clearProperty("io.netty.buffer.checkBounds");
        System.clearProperty("io.netty.buffer.checkAccessible");
        System.setProperty("io.netty.leakDetection.level", "advanced");

        NettyDefaults.apply();

        assertThat(System.getProperty("io.netty.buffer.checkBounds")).isEqualTo("false");
        assertThat(System.getProperty("io.netty.buffer.checkAccessible")).isEqualTo("false");
        assertThat(System.getProperty("io.netty.leakDetection.level")).as("the user's choice").isEqualTo("advanced");
    }
}
