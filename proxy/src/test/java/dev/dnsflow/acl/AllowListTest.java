package dev.dnsflow.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.util.Cidr;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AllowListTest {

    @ParameterizedTest(name = "{0} allowed by default: {1}")
    @CsvSource({
        "127.0.0.1, true", "10.244.1.7, true", "172.16.0.1, true", "172.31.255.255, true", "172.32.0.1, false",
        "192.168.1.1, true", "169.254.20.10, true", "8.8.8.8, false", "::1, true", "fe80::1, true",
        "fd00::53, true", "2001:db8::1, false", "::ffff:10.0.0.1, true"})
    void defaultRangesCoverPodsAndNodes(String address, boolean allowed) throws Exception {
        assertThat(AllowList.defaults().allows(InetAddress.getByName(address))).isEqualTo(allowed);
    }

    @Test
    void aBareAddressIsASingleHost() throws Exception {
        AllowList list = AllowList.parse(List.of("192.0.2.7", "2001:db8::/126"));
        assertThat(list.allows(InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("192.0.2.8"))).isFalse();
        assertThat(list.allows(InetAddress.getByName("2001:db8::3"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("2001:db8::4"))).isFalse();
    }

    @Test
    void zeroPrefixAllowsEveryAddressOfItsFamily() throws Exception {
        AllowList list = AllowList.parse(List.of("0.0.0.0/0"));
        assertThat(list.allows(InetAddress.getByName("203.0.113.9"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("2001:db8::1"))).isFalse();
    }

    @Test
    void badRangesAreRejectedWithTheirText() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> Cidr.parse("example.com")).hasMessageContaining("example.com");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("prefix");
    }
}
