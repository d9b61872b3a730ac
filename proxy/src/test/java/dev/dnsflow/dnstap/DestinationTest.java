package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationTest {
    @Test
    void unixFileAndTcpFormsAreParsed() {
        assertThat(Destination.parse("unix:/run/dnstap.sock"))
                .isEqualTo(new Destination(Destination.Kind.UNIX, Path.of("/run/dnstap.sock"), null, 0));
        assertThat(Destination.parse("file:out/dnstap.fstrm"))
                .isEqualTo(new Destination(Destination.Kind.FILE, Path.of("out/dnstap.fstrm"), null, 0));
        assertThat(Destination.parse("tcp:collector.monitoring:6000"))
                .isEqualTo(new Destination(Destination.Kind.TCP, null, "collector.monitoring", 6000));
        assertThat(Destination.parse("tcp:[::1]:6000"))
                .isEqualTo(new Destination(Destination.Kind.TCP, null, "::1", 6000));
    }

    @Test
    void onlySocketsDoTheHandshake() {
        assertThat(Destination.parse("unix:/s").bidirectional()).isTrue();
        assertThat(Destination.parse("tcp:127.0.0.1:1").bidirectional()).isTrue();
        assertThat(Destination.parse("file:/f").bidirectional()).isFalse();
    }

    @Test
    void printsBackInTheFormItWasGiven() {
        for (String spec : new String[] {"unix:/run/d.sock", "file:/tmp/d.fstrm", "tcp:127.0.0.1:6000", "tcp:[::1]:6000"}) {
            assertThat(Destination.parse(spec)).hasToString(spec);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "/run/dnstap.sock", "udp:1.2.3.4:5", "unix:", "file:", "tcp:", "tcp:host",
            "tcp:host:", "tcp::6000", "tcp:host:0", "tcp:host:65536", "tcp:host:port", "tcp:::1:6000"})
    void badInputIsRejectedNamingTheFlagAndTheAcceptedForms(String spec) {
        assertThatThrownBy(() -> Destination.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--dnstap")
                .hasMessageContaining("unix:PATH, tcp:HOST:PORT or file:PATH");
    }
}
