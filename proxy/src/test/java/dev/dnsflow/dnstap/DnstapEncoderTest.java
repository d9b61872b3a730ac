package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketFamily;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DnstapEncoderTest {
    private static final byte[] V6_CLIENT = address("2001:db8::53");
    private static final byte[] V6_UPSTREAM = address("2001:db8::1");

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aClientResponseRoundTripsThroughTheGeneratedParserFieldByField() throws Exception {
        byte[] query = TestFrames.query(4242).toWire();
        byte[] response = TestFrames.response(4242).toWire();
        byte[] payload = DnstapEncoder.of("node-a", "dnsflow 0.1.0")
                .message(Message.Type.CLIENT_RESPONSE)
                .protocol(SocketProtocol.TCP)
                .queryAddress(TestFrames.CLIENT, 53000)
                .responseAddress(new byte[] {127, 0, 0, 1}, 5353)
                .queryTime(1_700_000_000_123_456_789L)
                .responseTime(1_700_000_001_000_000_007L)
                .queryMessage(query)
                .responseMessage(response)
                .extra("flow 01HXYZ".getBytes(StandardCharsets.UTF_8))
                .encode();

        Dnstap dnstap = Dnstap.parseFrom(payload);

        assertThat(dnstap.getType()).isEqualTo(Dnstap.Type.MESSAGE);
        assertThat(dnstap.getIdentity().toStringUtf8()).isEqualTo("node-a");
        assertThat(dnstap.getVersion().toStringUtf8()).isEqualTo("dnsflow 0.1.0");
        assertThat(dnstap.getExtra().toStringUtf8()).isEqualTo("flow 01HXYZ");
        Message m = dnstap.getMessage();
        assertThat(m.getType()).isEqualTo(Message.Type.CLIENT_RESPONSE);
        assertThat(m.getSocketFamily()).isEqualTo(SocketFamily.INET);
        assertThat(m.getSocketProtocol()).isEqualTo(SocketProtocol.TCP);
        assertThat(m.getQueryAddress().toByteArray()).containsExactly(TestFrames.CLIENT);
        assertThat(m.getQueryPort()).isEqualTo(53000);
        assertThat(m.getResponseAddress().toByteArray()).containsExactly(127, 0, 0, 1);
        assertThat(m.getResponsePort()).isEqualTo(5353);
        assertThat(m.getQueryTimeSec()).isEqualTo(1_700_000_000L);
        assertThat(m.getQueryTimeNsec()).isEqualTo(123_456_789);
        assertThat(m.getResponseTimeSec()).isEqualTo(1_700_000_001L);
        assertThat(m.getResponseTimeNsec()).isEqualTo(7);
        assertThat(m.getQueryMessage().toByteArray()).containsExactly(query);
        assertThat(m.getResponseMessage().toByteArray()).containsExactly(response);
        assertThat(new org.xbill.DNS.Message(m.getResponseMessage().toByteArray()).getHeader().getID()).isEqualTo(4242);
        assertThat(m.hasQueryZone()).isFalse();
    }

    @Test
    void ipv6AddressesSetTheInet6FamilyAndKeepSixteenOctets() throws Exception {
        byte[] payload = TestFrames.ENCODER.message(Message.Type.FORWARDER_QUERY)
                .queryAddress(new InetSocketAddress(InetAddress.getByAddress(V6_CLIENT), 40001))
                .responseAddress(V6_UPSTREAM, 53)
                .encode();

        Message m = Dnstap.parseFrom(payload).getMessage();

        assertThat(m.getSocketFamily()).isEqualTo(SocketFamily.INET6);
        assertThat(m.getQueryAddress().toByteArray()).containsExactly(V6_CLIENT);
        assertThat(m.getResponseAddress().toByteArray()).containsExactly(V6_UPSTREAM);
        assertThat(m.getQueryPort()).isEqualTo(40001);
    }

    @Test
    void unsetFieldsStayAbsentRatherThanZero() throws Exception {
        Dnstap dnstap = Dnstap.parseFrom(new DnstapEncoder(null, null).message(Message.Type.CLIENT_QUERY).encode());

        assertThat(dnstap.hasIdentity()).isFalse();
        assertThat(dnstap.hasVersion()).isFalse();
        assertThat(dnstap.hasExtra()).isFalse();
        Message m = dnstap.getMessage();
        assertThat(m.getType()).isEqualTo(Message.Type.CLIENT_QUERY);
        assertThat(m.hasSocketFamily()).isFalse();
        assertThat(m.hasQueryAddress()).isFalse();
        assertThat(m.hasQueryTimeSec()).isFalse();
        assertThat(m.hasResponseMessage()).isFalse();
    }

    @Test
    void nanosecondsAreSplitIntoSecondsAndAFixed32RemainderOnTheWire() {
        byte[] payload = TestFrames.ENCODER.message(Message.Type.CLIENT_QUERY).queryTime(5_000_000_001L).encode();
        // query_time_nsec is field 9 with wire type 5 (fixed32): tag 0x4d, then 4 little-endian bytes
        assertThat(java.util.HexFormat.of().formatHex(payload)).contains("4d01000000");
    }

    @Test
    void addressesOfAnotherLengthOrMixedFamiliesAreRejected() {
        assertThatThrownBy(() -> TestFrames.ENCODER.message(Message.Type.CLIENT_QUERY).queryAddress(new byte[5], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 or 16");
        assertThatThrownBy(() -> TestFrames.ENCODER.message(Message.Type.CLIENT_QUERY)
                .queryAddress(TestFrames.CLIENT, 1).responseAddress(V6_UPSTREAM, 53))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INET6");
    }
}
