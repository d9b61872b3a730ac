package dev.dnsflow.sidecar;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One producer connection on the listener's event loop. It takes a connection slot or is closed at once,
 * must complete READY → ACCEPT → START within the handshake timeout, then passes each data frame on.
 * The wire rules live in {@link FrameStreamsDecoder} and {@link FrameStreamsSession}; this class does the
 * I/O, the timer and the counting. Idle after START is fine (CoreDNS may have nothing to say), and the
 * buffered input is bounded by one maximal frame.
 */
final class FrameStreamsProducerHandler extends ByteToMessageDecoder {
    private static final Logger LOG = Logger.getLogger(FrameStreamsReceiver.class.getName());

    private final Semaphore slots;
    private final long handshakeTimeoutNanos;
    private final int maxFrame;
    private final Consumer<byte[]> frames;
    private final AtomicLong received;
    private final DnstapListenerMetrics metrics;
    private final FrameStreamsSession session = new FrameStreamsSession();
    private boolean holdsSlot;
    private boolean done;
    private ScheduledFuture<?> handshakeTimer;

    FrameStreamsProducerHandler(Semaphore slots, long handshakeTimeoutNanos, int maxFrame, Consumer<byte[]> frames,
                                AtomicLong received, DnstapListenerMetrics metrics) {
        this.slots = slots;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        this.maxFrame = maxFrame;
        this.frames = frames;
        this.received = received;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!slots.tryAcquire()) {
            reject(ctx, ProducerRejection.LIMIT, "all connection slots are taken");
            return;
        }
        holdsSlot = true;
        handshakeTimer = ctx.executor().schedule(() -> {
            if (!session.started()) {
                reject(ctx, ProducerRejection.HANDSHAKE_TIMEOUT, "no READY → ACCEPT → START within "
                        + TimeUnit.NANOSECONDS.toMillis(handshakeTimeoutNanos) + " ms");
            }
        }, handshakeTimeoutNanos, TimeUnit.NANOSECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (holdsSlot) {
            holdsSlot = false;
            slots.release();
        }
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        super.channelInactive(ctx); // a partial frame left in the buffer is dropped: the producer went away
    }

    /** One frame per call; ByteToMessageDecoder calls again while bytes are consumed. */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            FrameStreamsDecoder.Frame frame = FrameStreamsDecoder.next(in, maxFrame);
            if (frame instanceof FrameStreamsDecoder.Control control) {
                control(ctx, session.onControl(control.frame()));
            } else if (frame instanceof FrameStreamsDecoder.Data data && session.takesData()) {
                received.incrementAndGet();
                frames.accept(data.bytes());
            }
        } catch (FrameStreamsViolation v) {
            reject(ctx, v.reason(), v.getMessage());
        }
    }

    private void control(ChannelHandlerContext ctx, byte[] reply) {
        if (session.started() && handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (session.finished()) {
            done = true;
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply)).addListener(ChannelFutureListener.CLOSE);
        } else if (reply != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply));
        }
    }

    private void reject(ChannelHandlerContext ctx, ProducerRejection reason, String detail) {
        done = true;
        metrics.rejected(reason, "from " + ctx.channel().remoteAddress() + ": " + detail);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset, or the consumer failing on a frame: this connection is done, the others carry on.
        LOG.log(Level.FINE, "dnstap producer dropped: " + cause);
        done = true;
        ctx.close();
    }
}
