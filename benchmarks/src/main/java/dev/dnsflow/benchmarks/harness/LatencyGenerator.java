package dev.dnsflow.benchmarks.harness;

import dev.dnsflow.net.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * An open-loop UDP load generator: queries go out on a fixed schedule (query i at start + i/rate)
 * whatever the answers do, spread over several source ports; answers are matched by ID and their
 * latency (from the moment the query was written) goes into an HdrHistogram. A query not answered
 * within the grace period after the last send, or whose ID comes round again unanswered, is lost.
 * Everything runs on one Netty event loop, so no locks. The first {@code warmup} is not recorded.
 */
final class LatencyGenerator implements AutoCloseable {
    /** One run's outcome. Latencies in nanoseconds. */
    record Result(long sent, long answered, long lost, double achievedRate, long maxLagNanos, Histogram histogram) {
        double percentileMicros(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private static final int SOCKETS = 4;
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Transports transports = Transports.best();
    private final EventLoopGroup group = transports.newGroup(1);
    private final List<byte[]> queries;

    LatencyGenerator(List<QueryMix.Query> mix) {
        this.queries = mix.stream().map(q -> QueryMix.encode(0, q.name(), q.type())).toList();
    }

    /** Sends {@code rate} queries per second to {@code target} for warmup + duration, then waits for answers. */
    Result run(InetSocketAddress target, int rate, double warmupSeconds, double seconds)
            throws InterruptedException {
        Run run = new Run(target, rate, warmupSeconds, seconds);
        try {
            return run.start().get((long) (warmupSeconds + seconds + 30), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("latency run against " + target + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("latency run against " + target + " did not finish", e);
        } finally {
            run.closeChannels();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** State of one run; touched only on the event loop once started. */
    private final class Run {
        private final InetSocketAddress target;
        private final double rate;
        private final long total;
        private final long warmupNanos;
        private final Channel[] channels = new Channel[SOCKETS];
        private final long[][] sendTimes = new long[SOCKETS][65536];
        private final int[] nextId = new int[SOCKETS];
        private final Histogram histogram = new Histogram(MAX_LATENCY_NANOS, 3);
        private final CompletableFuture<Result> done = new CompletableFuture<>();
        private EventLoop loop;
        private long start;
        private long measureStart;
        private long sent;
        private long measuredSent;
        private long answered;
        private long lost;
        private long maxLag;

        Run(InetSocketAddress target, int rate, double warmupSeconds, double seconds) {
            this.target = target;
            this.rate = rate;
            this.total = (long) (rate * (warmupSeconds + seconds));
            this.warmupNanos = (long) (warmupSeconds * 1e9);
        }

        CompletableFuture<Result> start() throws InterruptedException {
            loop = group.next();
            for (int i = 0; i < SOCKETS; i++) {
                int index = i;
                channels[i] = transports.datagram(target.getAddress()).group(loop)
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                onAnswer(index, msg);
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            }
            loop.execute(() -> {
                start = System.nanoTime();
                measureStart = start + warmupNanos;
                tick();
            });
            return done;
        }

        private void tick() {
            long now = System.nanoTime();
            long due = Math.min(total, (long) ((now - start) * rate / 1e9) + 1);
            while (sent < due) {
                send(now);
            }
            for (Channel c : channels) {
                c.flush();
            }
            if (sent < total) {
                long next = start + (long) (sent * 1e9 / rate);
                loop.schedule(this::tick, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else {
                loop.schedule(this::finish, GRACE_NANOS, TimeUnit.NANOSECONDS);
            }
        }

        private void send(long now) {
            int ch = (int) (sent % SOCKETS);
            int id = nextId[ch];
            nextId[ch] = (id + 1) & 0xffff;
            long previous = sendTimes[ch][id];
            if (previous != 0 && previous >= measureStart) {
                lost++; // its ID came round unanswered
            }
            byte[] query = queries.get((int) (sent % queries.size()));
            ByteBuf buf = channels[ch].alloc().directBuffer(query.length).writeBytes(query);
            buf.setShort(0, id);
            maxLag = Math.max(maxLag, now - (start + (long) (sent * 1e9 / rate)));
            long t = System.nanoTime();
            sendTimes[ch][id] = t;
            if (t >= measureStart) {
                measuredSent++;
            }
            channels[ch].write(new DatagramPacket(buf, target));
            sent++;
        }

        private void onAnswer(int ch, Object msg) {
            long now = System.nanoTime();
            ByteBuf content = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
            try {
                if (content.readableBytes() < 12) {
                    return;
                }
                int id = content.getUnsignedShort(content.readerIndex());
                long t = sendTimes[ch][id];
                if (t != 0 && !done.isDone()) {
                    sendTimes[ch][id] = 0;
                    if (t >= measureStart) {
                        answered++;
                        histogram.recordValue(Math.min(now - t, MAX_LATENCY_NANOS));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void finish() {
            for (long[] times : sendTimes) {
                for (long t : times) {
                    if (t != 0 && t >= measureStart) {
                        lost++;
                    }
                }
            }
            double measuredSeconds = (start + (long) (total * 1e9 / rate) - measureStart) / 1e9;
            done.complete(new Result(measuredSent, answered, lost, measuredSent / measuredSeconds, maxLag, histogram));
        }

        void closeChannels() {
            for (Channel c : channels) {
                if (c != null) {
                    c.close().syncUninterruptibly();
                }
            }
        }
    }
}
