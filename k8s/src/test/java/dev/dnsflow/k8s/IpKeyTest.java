package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "0.0.0.0", "255.255.255.255", "::", "::1", "fd00::5", "fd00:0:0:0:0:0:0:5",
            "2001:db8:85a3::8a2e:370:7334", "2001:DB8::", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1", "64:ff9b::192.0.2.33",
            "1::8", "1:2:3:4:5:6::8", "fe80::1%eth0"})
    void readsAddressesAsTheJdkDoes(String text) throws Exception {
        long[] parsed = new long[2];
        long[] jdk = new long[2];

        assertThat(IpKey.parse(text, parsed)).as(text).isTrue();
        assertThat(IpKey.of(InetAddress.getByName(text.replaceAll("%.*", "")), jdk)).isTrue();
        assertThat(parsed).as(text).containsExactly(jdk);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.1.2", "10.1.2.3.4", "10.1.2.256", "10.1.2.x", "1.2.3.4 ", "a", ":::", "1:::2",
            "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "1:", ":1", "None", "::1.2.3"})
    void refusesWhatIsNoAddress(String text) {
        assertThat(IpKey.parse(text, new long[2])).as(text).isFalse();
    }
}
