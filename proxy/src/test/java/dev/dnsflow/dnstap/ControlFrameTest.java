package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlFrameTest {
    private static final String DNSTAP_HEX = HexFormat.of().formatHex(
            "protobuf:dnstap.Dnstap".getBytes(StandardCharsets.US_ASCII));

    private static String hex(ControlFrame frame) {
        return HexFormat.of().formatHex(frame.encode());
    }

    @Test
    void startForDnstapMatchesTheSpecByteForByte() {
        assertThat(hex(ControlFrame.dnstap(ControlFrame.START)))
                .isEqualTo("00000000" + "00000022" + "00000002" + "00000001" + "00000016" + DNSTAP_HEX);
    }

    @Test
    void stopAndFinishAreBareControlFrames() {
        assertThat(hex(ControlFrame.bare(ControlFrame.STOP))).isEqualTo("00000000" + "00000004" + "00000003");
        assertThat(hex(ControlFrame.bare(ControlFrame.FINISH))).isEqualTo("00000000" + "00000004" + "00000005");
    }

    @Test
    void readyAndAcceptCarryTheContentTypeLikeStart() {
        assertThat(hex(ControlFrame.dnstap(ControlFrame.READY)))
                .isEqualTo("00000000" + "00000022" + "00000004" + "00000001" + "00000016" + DNSTAP_HEX);
        assertThat(hex(ControlFrame.dnstap(ControlFrame.ACCEPT)))
                .isEqualTo("00000000" + "00000022" + "00000001" + "00000001" + "00000016" + DNSTAP_HEX);
    }

    @Test
    void decodingReadsEveryContentTypeAndSkipsUnknownFields() throws IOException {
        byte[] other = "x".getBytes(StandardCharsets.US_ASCII);
        byte[] dnstap = "protobuf:dnstap.Dnstap".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer payload = ByteBuffer.allocate(4 + 8 + other.length + 8 + 2 + 8 + dnstap.length);
        payload.putInt(ControlFrame.ACCEPT)
                .putInt(ControlFrame.FIELD_CONTENT_TYPE).putInt(other.length).put(other)
                .putInt(99).putInt(2).put(new byte[] {1, 2})
                .putInt(ControlFrame.FIELD_CONTENT_TYPE).putInt(dnstap.length).put(dnstap)
                .flip();

        ControlFrame frame = ControlFrame.decode(payload);

        assertThat(frame.type()).isEqualTo(ControlFrame.ACCEPT);
        assertThat(frame.contentTypes()).containsExactly("x", "protobuf:dnstap.Dnstap");
        assertThat(frame.matches(ControlFrame.DNSTAP_CONTENT_TYPE)).isTrue();
    }

    @Test
    void aFrameWithoutContentTypeMatchesAnyButAnotherTypeDoesNot() {
        assertThat(ControlFrame.bare(ControlFrame.ACCEPT).matches(ControlFrame.DNSTAP_CONTENT_TYPE)).isTrue();
        assertThat(new ControlFrame(ControlFrame.ACCEPT, List.of("protobuf:other")).matches(ControlFrame.DNSTAP_CONTENT_TYPE))
                .isFalse();
    }

    @Test
    void aTruncatedOrOverlongControlPayloadIsRejected() {
        ByteBuffer truncated = ByteBuffer.allocate(10).putInt(ControlFrame.ACCEPT).putInt(1).putShort((short) 5).flip();
        assertThatThrownBy(() -> ControlFrame.decode(truncated)).isInstanceOf(IOException.class);
        ByteBuffer overrun = ByteBuffer.allocate(12).putInt(ControlFrame.ACCEPT).putInt(1).putInt(50).flip();
        assertThatThrownBy(() -> ControlFrame.decode(overrun)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ControlFrame.decode(ByteBuffer.allocate(600))).isInstanceOf(IOException.class);
    }
}
