package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.dnstap.ControlFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The listener's wire rules without sockets: framing ({@link FrameStreamsDecoder}) and handshake
 * ({@link FrameStreamsSession}).
 */
class FrameStreamsDecoderTest {
    private static final int MAX = 16;

    @Test
    void anIncompleteFrameConsumesNothingUntilItIsComplete() throws Exception {
        ByteBuf in = Unpooled.buffer().writeInt(3).writeByte(1).writeByte(2);
        try {
            assertThat(FrameStreamsDecoder.next(in, MAX)).isNull();
            assertThat(in.readerIndex()).isZero();
            in.writeByte(3).writeBytes(ControlFrame.dnstap(ControlFrame.START).encode());
            assertThat(FrameStreamsDecoder.next(in, MAX)).isInstanceOfSatisfying(FrameStreamsDecoder.Data.class,
                    d -> assertThat(d.bytes()).containsExactly(1, 2, 3));
            assertThat(FrameStreamsDecoder.next(in, MAX)).isInstanceOfSatisfying(FrameStreamsDecoder.Control.class,
                    c -> assertThat(c.frame()).isEqualTo(ControlFrame.dnstap(ControlFrame.START)));
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void anOversizedFrameIsRefusedFromItsLengthAloneBeforeItsBytesArrive() {
        ByteBuf in = Unpooled.buffer().writeInt(MAX + 1);
        ByteBuf huge = Unpooled.buffer().writeInt(0xFFFF_FFFF); // 4 GiB, not -1
        try {
            assertThatThrownBy(() -> FrameStreamsDecoder.next(in, MAX)).isInstanceOfSatisfying(FrameStreamsViolation.class,
                    v -> assertThat(v.reason()).isEqualTo(ProducerRejection.OVERSIZED));
            assertThatThrownBy(() -> FrameStreamsDecoder.next(huge, MAX)).isInstanceOfSatisfying(FrameStreamsViolation.class,
                    v -> assertThat(v.reason()).isEqualTo(ProducerRejection.OVERSIZED));
        } finally {
            in.release();
            huge.release();
        }
    }

    @Test
    void aControlFrameLongerThanFrameStreamsAllowsIsAProtocolError() {
        ByteBuf in = Unpooled.buffer().writeInt(0).writeInt(ControlFrame.MAX_CONTROL_LENGTH + 1);
        try {
            assertThatThrownBy(() -> FrameStreamsDecoder.next(in, MAX)).isInstanceOfSatisfying(FrameStreamsViolation.class,
                    v -> assertThat(v.reason()).isEqualTo(ProducerRejection.PROTOCOL));
        } finally {
            in.release();
        }
    }

    @Test
    void theSessionAcceptsDnstapTakesDataOnlyAfterStartAndFinishesOnStop() throws Exception {
        FrameStreamsSession session = new FrameStreamsSession();
        assertThat(session.onControl(ControlFrame.dnstap(ControlFrame.READY)))
                .isEqualTo(ControlFrame.dnstap(ControlFrame.ACCEPT).encode());
        assertThat(session.takesData()).isFalse();
        assertThat(session.onControl(ControlFrame.bare(ControlFrame.START))).isNull();
        assertThat(session.takesData()).isTrue();
        assertThat(session.onControl(new ControlFrame(99, List.of()))).as("unknown types are ignored").isNull();
        assertThatThrownBy(() -> session.onControl(ControlFrame.dnstap(ControlFrame.READY)))
                .as("READY after START").isInstanceOf(FrameStreamsViolation.class);
        assertThat(session.onControl(ControlFrame.bare(ControlFrame.STOP)))
                .isEqualTo(ControlFrame.bare(ControlFrame.FINISH).encode());
        assertThat(session.finished()).isTrue();
        assertThat(session.takesData()).isFalse();
    }

    @Test
    void aProducerOfAnotherContentTypeIsRefused() {
        ControlFrame ready = new ControlFrame(ControlFrame.READY, List.of("protobuf:x.Y"));
        assertThatThrownBy(() -> new FrameStreamsSession().onControl(ready)).isInstanceOfSatisfying(FrameStreamsViolation.class,
                v -> assertThat(v.reason()).isEqualTo(ProducerRejection.PROTOCOL));
    }
}
