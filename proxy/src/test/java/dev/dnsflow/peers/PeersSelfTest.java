package dev.dnsflow.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import dev.dnsflow.peers.Dig.DigResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Checks the real-peer harness itself, so a failing proxy test can be trusted to be about the
 * proxy and not about NSD, dig or the skip logic.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PeersSelfTest {

    @Test
    void a_missing_peer_skips_the_test_when_DNSFLOW_REQUIRE_PEERS_is_unset() {
        assertThatThrownBy(() -> Peers.require("definitely-not-a-peer", null))
                .isInstanceOf(TestAbortedException.class)
                .hasMessage("skipped: definitely-not-a-peer not installed (apt-get install -y definitely-not-a-peer)");
    }

    @Test
    void a_missing_peer_fails_the_test_when_DNSFLOW_REQUIRE_PEERS_is_1() {
        assertThatThrownBy(() -> Peers.require("definitely-not-a-peer", "1"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("definitely-not-a-peer not found: apt-get install -y definitely-not-a-peer")
                .hasMessageContaining("DNSFLOW_REQUIRE_PEERS=1");
    }

    @Test
    void the_skip_message_names_the_debian_package_that_provides_the_executable() {
        assertThat(Peers.packageFor("dig")).isEqualTo("dnsutils");
        assertThat(Peers.packageFor("kdig")).isEqualTo("knot-dnsutils");
        assertThat(Peers.packageFor("fstrm_capture")).isEqualTo("fstrm-bin");
        assertThat(Peers.packageFor("promtool")).isEqualTo("prometheus");
    }

    @Test
    void an_installed_executable_is_returned_as_an_absolute_executable_path() {
        Path sh = Peers.require("sh", "1");
        assertThat(sh).isAbsolute();
        assertThat(Files.isExecutable(sh)).isTrue();
    }

    @Test
    void a_free_port_can_be_bound_for_udp_and_tcp() throws Exception {
        int port = Peers.freePort();
        var loopback = new InetSocketAddress("127.0.0.1", port);
        try (var tcp = new java.net.ServerSocket(); var udp = new java.net.DatagramSocket(loopback)) {
            tcp.bind(loopback);
            assertThat(udp.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void dig_reports_TIMEOUT_when_nothing_answers() {
        var nobody = new InetSocketAddress("127.0.0.1", Peers.freePort());
        assertThat(Dig.dig(nobody, "example.com.", "A", "+time=1").status()).isEqualTo(DigResult.TIMEOUT);
        assertThat(Dig.kdig(nobody, "example.com.", "A", "+timeout=1").status()).isEqualTo(DigResult.TIMEOUT);
    }

    @Test
    void a_closed_nsd_no_longer_answers() {
        InetSocketAddress address;
        try (NsdServer nsd = NsdServer.start()) {
            address = nsd.address();
            assertThat(Dig.dig(address, "mail.example.com.", "A").answers()).containsExactly(NsdServer.MAIL_A);
        }
        assertThat(Dig.dig(address, "mail.example.com.", "A", "+time=1").status()).isEqualTo(DigResult.TIMEOUT);
    }

    /** The zone served by one NSD, queried through both dig and kdig. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class A_running_nsd {

        private NsdServer nsd;

        @BeforeAll
        void start_nsd() {
            nsd = NsdServer.start();
        }

        @AfterAll
        void stop_nsd() {
            if (nsd != null) {
                nsd.close();
            }
        }

        @Test
        void answers_the_apex_A_with_192_0_2_1_authoritatively() {
            DigResult dig = Dig.dig(nsd.address(), "example.com.", "A");
            assertThat(dig.status()).as(dig.raw()).isEqualTo("NOERROR");
            assertThat(dig.flags()).as(dig.raw()).contains("qr", "aa").doesNotContain("tc");
            assertThat(dig.answers()).as(dig.raw()).containsExactly(NsdServer.APEX_A);
            assertThat(dig.id()).isBetween(0, 0xffff);

            DigResult kdig = Dig.kdig(nsd.address(), "example.com.", "A");
            assertThat(kdig.status()).as(kdig.raw()).isEqualTo("NOERROR");
            assertThat(kdig.flags()).as(kdig.raw()).contains("qr", "aa");
            assertThat(kdig.answers()).as(kdig.raw()).containsExactly("192.0.2.1");
        }

        @Test
        void answers_the_apex_AAAA_with_2001_db8__1() {
            assertThat(Dig.dig(nsd.address(), "example.com.", "AAAA").answers()).containsExactly(NsdServer.APEX_AAAA);
        }

        @Test
        void follows_the_www_CNAME_to_the_apex_address() {
            for (DigResult r : new DigResult[] {
                    Dig.dig(nsd.address(), "www.example.com.", "A"),
                    Dig.kdig(nsd.address(), "www.example.com.", "A")}) {
                assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
                assertThat(r.answers()).as(r.raw()).containsExactly("example.com.", "192.0.2.1");
            }
        }

        @Test
        void answers_any_name_under_w_from_the_wildcard() {
            DigResult r = Dig.dig(nsd.address(), "foo.w.example.com.", "A");
            assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
            assertThat(r.answers()).as(r.raw()).containsExactly("192.0.2.10");
            assertThat(Dig.kdig(nsd.address(), "bar.w.example.com.", "A").answers()).containsExactly(NsdServer.WILDCARD_A);
        }

        @Test
        void answers_an_unknown_name_with_NXDOMAIN() {
            DigResult dig = Dig.dig(nsd.address(), "nope.example.com.", "A");
            assertThat(dig.status()).as(dig.raw()).isEqualTo("NXDOMAIN");
            assertThat(dig.answers()).isEmpty();
            assertThat(Dig.kdig(nsd.address(), "nope.example.com.", "A").status()).isEqualTo("NXDOMAIN");
        }

        @Test
        void truncates_the_big_TXT_over_UDP_without_EDNS() {
            DigResult dig = Dig.dig(nsd.address(), "big.example.com.", "TXT", "+notcp", "+noedns", "+ignore");
            assertThat(dig.flags()).as(dig.raw()).contains("tc");
            DigResult kdig = Dig.kdig(nsd.address(), "big.example.com.", "TXT", "+notcp", "+noedns", "+ignore");
            assertThat(kdig.flags()).as(kdig.raw()).contains("tc");
        }

        @Test
        void returns_the_big_TXT_complete_over_TCP() {
            String expected = NsdServer.bigTxtStrings().stream()
                    .map(s -> "\"" + s + "\"").collect(Collectors.joining(" "));
            for (DigResult r : new DigResult[] {
                    Dig.dig(nsd.address(), "big.example.com.", "TXT", "+tcp"),
                    Dig.kdig(nsd.address(), "big.example.com.", "TXT", "+tcp")}) {
                assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
                assertThat(r.flags()).as(r.raw()).doesNotContain("tc");
                assertThat(r.answers()).as(r.raw()).containsExactly(expected);
                assertThat(expected.length()).isGreaterThan(1200);
            }
        }

        @Test
        void reports_its_port_and_loopback_address() {
            assertThat(nsd.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(nsd.port()).isEqualTo(nsd.address().getPort()).isPositive();
        }
    }
}
