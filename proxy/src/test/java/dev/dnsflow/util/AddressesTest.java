package dev.dnsflow.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({
        "2001:db8:0:0:0:0:0:1, 2001:db8::1", "0:0:0:0:0:0:0:1, ::1", "0:0:0:0:0:0:0:0, ::",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1", "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "fe80:0:0:0:0:0:0:0, fe80::", "2001:db8:1:1:1:1:1:1, 2001:db8:1:1:1:1:1:1", "10.244.0.5, 10.244.0.5"})
    void writesAddressesTheWayDigDoes(String address, String text) throws Exception {
        assertThat(Addresses.text(InetAddress.getByName(address))).isEqualTo(text);
        assertThat(Addresses.text(InetAddress.getByName(address).getAddress())).isEqualTo(text);
    }
}
