package dev.dnsflow.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A TCP connection retired because an attempt on it timed out still carries the queries pipelined on it: they
 * are answered there if the server answers late, the connection closes once the last of them settles, and
 * shutdown closes it even while some still wait. Each retirement is counted as {@code tcp_retired}.
 */
class TcpRetiredConnectionTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Transports transports = Transports.best();
    private final ProxyMetrics metrics = ProxyMetrics.standalone();
    private final List<Flow> flows = new CopyOnWriteArrayList<>();
    private EventLoopGroup group;
    private EventLoop eventLoop;
    private LoopContext loop;
    private DatagramSocket client;
    private Channel frontend;
    private ScriptedUpstream server;
    private Upstream upstream;
    private Forwarder forwarder;

    @BeforeEach
    void start() throws Exception {
        group = transports.newGroup(1);
        eventLoop = group.next();
        loop = new LoopContext(eventLoop, 0, metrics, flows::add);
        client = new DatagramSocket(0, LOOPBACK);
        client.setSoTimeout(3000);
        frontend = transports.datagram(LOOPBACK).group(eventLoop).handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress(LOOPBACK, 0)).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            onLoop(() -> {
                forwarder.abandonAll();
                forwarder.close();
                return null;
            });
        }
        frontend.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (server != null) {
            server.close();
        }
        client.close();
    }

    /** A forwarder over TCP only, 1 s per attempt (ample for a cold JVM's first queries), towards {@code script}. */
    private void forwarder(ScriptedUpstream.Script script, int attempts) throws Exception {
        server = ScriptedUpstream.start(script);
        upstream = new Upstream(server.address(), 1000, UpstreamMetrics.Factory.of(metrics.registry()));
        ForwardOptions options = ForwardOptions.defaults().toBuilder()
                .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(8)).maxAttempts(attempts).build();
        forwarder = new Forwarder(loop, options, List.of(upstream), transports, true);
    }

    private void forward(String name, int id) throws Exception {
        ByteBuf query = Unpooled.wrappedBuffer(Wire.query(name, Type.A, id).toWire());
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(query, parsed);
        InetSocketAddress from = new InetSocketAddress(LOOPBACK, client.getLocalPort());
        onLoop(() -> {
            forwarder.forward(new Exchange(loop, frontend, from, Transport.UDP, query, parsed, System.nanoTime(), null));
            loop.flusher().flush();
            return null;
        });
    }

    private List<InetSocketAddress> receivedFrom(String prefix) {
        return server.received().stream().filter(r -> r.message().getQuestion().getName().toString().startsWith(prefix))
                .map(ScriptedUpstream.Received::from).toList();
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long until = System.currentTimeMillis() + 3000;
        while (!condition.call()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(5);
        }
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return eventLoop.submit(task).get();
    }

    private double errors(String reason) {
        return metrics.count("dnsflow.upstream.errors", "upstream", upstream.label(), "reason", reason);
    }

    @Test
    void aQueryPipelinedBehindATimedOutOneIsStillAnsweredOnTheRetiredConnectionWhichThenCloses() throws Exception {
        forwarder((q, reply) -> {
            String name = q.message().getQuestion().getName().toString();
            if (name.startsWith("first.")) {
                if (receivedFrom("first.").size() > 1) {
                    reply.send(Wire.answer(q.message(), "192.0.2.1")); // the retry, on a new connection
                }
            } else {
                // Late: only once the first query's attempt has timed out (its retry is here), so the
                // connection is retired by then; about 600 ms before this query's own timer.
                await("the first query's retry", () -> receivedFrom("first.").size() > 1);
                reply.send(Wire.answer(q.message(), "192.0.2.2"));
            }
        }, 2);

        forward("first.example.", 1);
        await("the first query upstream", () -> receivedFrom("first.").size() == 1);
        Thread.sleep(600); // the second's timer must end well after the first's, even on a loaded machine
        forward("late.example.", 2);

        Map<Integer, Message> answers = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            client.receive(p);
            Message m = Wire.parse(java.util.Arrays.copyOf(p.getData(), p.getLength()));
            answers.put(m.getHeader().getID(), m);
        }
        await("flows", () -> flows.size() == 2);
        assertThat(answers.get(2).getRcode()).as("answered late on the retired connection").isEqualTo(Rcode.NOERROR);
        assertThat(answers.get(1).getRcode()).isEqualTo(Rcode.NOERROR);

        InetSocketAddress retired = receivedFrom("first.").get(0);
        assertThat(receivedFrom("late.")).as("pipelined on the connection that was then retired").containsExactly(retired);
        assertThat(receivedFrom("first.").get(1)).as("the retry on a new one").isNotEqualTo(retired);
        await("flows", () -> flows.size() == 2);
        Flow late = flows.stream().filter(f -> f.query().name().startsWith("late.")).findFirst().orElseThrow();
        assertThat(late.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.ANSWERED);

        await("the retired connection closed after its last answer", () -> server.closedTcp().contains(retired));
        assertThat(server.closedTcp()).as("the current connection stays open").containsExactly(retired);
        assertThat(onLoop(() -> forwarder.tcpUpstream(0).retiredOpen())).isZero();
        assertThat(errors("tcp_retired")).isEqualTo(1.0);
        assertThat(errors("tcp_closed")).as("closed by us with nothing on it").isZero();
    }

    @Test
    void shutdownClosesARetiredConnectionStillCarryingAQuery() throws Exception {
        forwarder(ScriptedUpstream.silent(), 3);

        forward("first.example.", 1);
        await("the first query upstream", () -> receivedFrom("first.").size() == 1);
        Thread.sleep(600);
        forward("waiting.example.", 2);
        await("the first query's retry", () -> receivedFrom("first.").size() == 2);
        InetSocketAddress retired = receivedFrom("first.").get(0);

        // Before the second query's own timer (about 600 ms from now) settles it and lets the connection close.
        int retiredOpen = onLoop(() -> {
            int open = forwarder.tcpUpstream(0).retiredOpen();
            forwarder.close(); // stops the sweeper too: nothing else settles the waiting query
            return open;
        });
        assertThat(retiredOpen).as("retired, still carrying the second query").isEqualTo(1);
        await("the retired connection closed by shutdown", () -> server.closedTcp().contains(retired));
        assertThat(errors("tcp_retired")).isEqualTo(1.0);
    }
}
