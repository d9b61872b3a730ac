package dev.dnsflow.forward;

import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.net.Transports;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.LoopContext;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.ResponseCheck;
import dev.dnsflow.wire.Responses;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The forward stage's work on one event loop: it owns that loop's upstream sockets and connections,
 * sends attempts, matches replies, and retries or gives up. Everything here runs on the loop, so
 * nothing is locked; timeouts are two FIFO lists swept every few milliseconds.
 */
final class Forwarder {
    static final long SWEEP_MILLIS = 5;

    private final LoopContext loop;
    private final ForwardOptions options;
    private final List<Upstream> upstreams;
    private final UdpUpstreamPool[] udp;
    private final TcpUpstream[] tcp;
    private final TimeoutList attemptTimers = new TimeoutList();
    private final TimeoutList deadlines = new TimeoutList();
    private final long timeoutNanos;
    private final long deadlineNanos;
    private final int maxAttempts;
    /** Every attempt over TCP (a zone's {@code /tcp}, CoreDNS's {@code force_tcp}). */
    private final boolean forceTcp;
    private final ScheduledFuture<?> sweeper;
    private int queries;
    private long lastMaintenance;

    Forwarder(LoopContext loop, ForwardOptions options, List<Upstream> upstreams, Transports transports) {
        this(loop, options, upstreams, transports, false);
    }

    Forwarder(LoopContext loop, ForwardOptions options, List<Upstream> upstreams, Transports transports, boolean forceTcp) {
        this.loop = loop;
        this.forceTcp = forceTcp;
        this.options = options;
        this.upstreams = upstreams;
        this.timeoutNanos = options.timeout().toNanos();
        this.deadlineNanos = options.deadline().toNanos();
        this.maxAttempts = options.attemptsFor(upstreams.size());
        this.udp = new UdpUpstreamPool[upstreams.size()];
        this.tcp = new TcpUpstream[upstreams.size()];
        for (int i = 0; i < upstreams.size(); i++) {
            Upstream u = upstreams.get(i);
            udp[i] = new UdpUpstreamPool(this, u, transports.datagram(u.address().getAddress()).group(loop.eventLoop()),
                    options.socketsPerUpstream());
            tcp[i] = new TcpUpstream(this, u, new Bootstrap().group(loop.eventLoop()).channel(transports.socket())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.timeout().toMillis()));
        }
        this.sweeper = loop.eventLoop().scheduleAtFixedRate(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    LoopContext loop() {
        return loop;
    }

    void forward(Exchange exchange) {
        long now = System.nanoTime();
        // Answers larger than a batched UDP read can hold are fetched over TCP (see Transports). The size is
        // the one the upstream is asked with; it differs from the received one only when the context stage
        // removed a rewrite OPT of 4096 (then 512): UDP either way.
        Transport transport = forceTcp || exchange.transport() == Transport.TCP
                || exchange.forwardedOpt().udpSize() > Transports.MAX_UDP_PAYLOAD ? Transport.TCP : Transport.UDP;
        InFlight f = new InFlight(exchange, now + deadlineNanos, options.policy().firstIndex(upstreams.size(), queries++),
                transport);
        deadlines.add(f.deadlineTimer, f.deadline);
        nextAttempt(f, now);
    }

    /** Starts the next attempt on the next upstream by policy, or answers SERVFAIL when out of budget. */
    private void nextAttempt(InFlight f, long now) {
        while (true) {
            if (f.attempts >= maxAttempts || f.deadline - now <= 0) {
                giveUp(f);
                return;
            }
            int index = nextUpstream(f);
            f.attempts++;
            if (start(f, index, f.transport, now)) {
                return;
            }
        }
    }

    /** The first healthy upstream after the last one tried; if none is healthy, still try one. */
    private int nextUpstream(InFlight f) {
        int n = upstreams.size();
        int from = f.cursor < 0 ? f.first : f.cursor + 1;
        for (int i = 0; i < n; i++) {
            int index = (from + i) % n;
            if (upstreams.get(index).isHealthy()) {
                f.cursor = index;
                return index;
            }
        }
        f.cursor = from % n;
        return f.cursor;
    }

    private boolean start(InFlight f, int index, Transport transport, long now) {
        Upstream u = upstreams.get(index);
        boolean sent = transport == Transport.UDP ? sendUdp(f, index, now) : tcp[index].send(f, now);
        if (!sent) {
            if (transport == Transport.TCP) {
                u.metrics().error("id_exhausted"); // sendUdp counts its own reasons
            }
            f.failedToStart(u, transport, now);
            return false;
        }
        u.metrics().request(transport);
        attemptTimers.add(f.attemptTimer, now + timeoutNanos);
        if (f.exchange.wire() != null) {
            f.exchange.wire().forwarded(f.exchange.query());
        }
        if (transport == Transport.UDP) {
            DnsHeader.setId(f.exchange.query(), f.wireId);
            UdpUpstreamSocket s = (UdpUpstreamSocket) f.carrier;
            loop.flusher().write(s.channel, new DatagramPacket(f.exchange.query().retainedDuplicate(), u.address()));
        } // TCP: TcpUpstream.send set the ID before writing
        return true;
    }

    private boolean sendUdp(InFlight f, int index, long now) {
        UdpUpstreamPool pool = udp[index];
        UdpUpstreamSocket s = pool.pick();
        if (s == null) {
            pool.upstream.metrics().error("udp_unavailable");
            return false;
        }
        int id = s.ids.allocate(f);
        if (id < 0) {
            pool.upstream.metrics().error("id_exhausted");
            s = pool.alternative(s);
            id = s == null ? -1 : s.ids.allocate(f);
            if (id < 0) {
                return false;
            }
        }
        f.started(pool.upstream, s, id, Transport.UDP, now);
        return true;
    }

    void onUdpReply(UdpUpstreamSocket socket, DatagramPacket packet) {
        ByteBuf reply = packet.content();
        Upstream u = socket.pool.upstream;
        InetSocketAddress from = packet.sender();
        if (from == null || from.getPort() != u.address().getPort() || !from.getAddress().equals(u.address().getAddress())) {
            u.metrics().noncompliant("wrong_source");
            packet.release();
            return;
        }
        accept(u, socket.ids, reply);
    }

    void onTcpReply(Upstream u, Carrier connection, IdSpace<InFlight> ids, ByteBuf frame) {
        accept(u, ids, frame);
    }

    /** Matches a reply from the right source to its attempt by ID and question; takes ownership. */
    private void accept(Upstream u, IdSpace<InFlight> ids, ByteBuf reply) {
        if (reply.readableBytes() < DnsHeader.SIZE) {
            u.metrics().noncompliant(ResponseCheck.MALFORMED);
            reply.release();
            return;
        }
        InFlight f = ids.get(DnsHeader.id(reply));
        if (f == null) {
            u.metrics().noncompliant("unknown_id");
            reply.release();
            return;
        }
        String problem = ResponseCheck.check(reply, f.exchange.query(), f.exchange.parsed().questionEnd());
        if (problem != null) {
            u.metrics().noncompliant(problem); // the attempt keeps waiting for the real answer
            reply.release();
            return;
        }
        answered(f, reply);
    }

    private void answered(InFlight f, ByteBuf reply) {
        long now = System.nanoTime();
        Upstream u = f.upstream;
        u.succeeded();
        u.metrics().response(DnsHeader.rcode(reply));
        u.metrics().answeredAfter(now - f.sentNanos);
        boolean truncated = DnsHeader.isTruncated(reply);
        Transport was = f.attemptTransport;
        attemptTimers.remove(f.attemptTimer);
        if (f.exchange.wire() != null) {
            f.exchange.wire().answer(f.exchange.facts().attempts().size(), reply);
        }
        f.settle(truncated ? AttemptOutcome.TRUNCATED : AttemptOutcome.ANSWERED, now);
        if (truncated && was == Transport.UDP && options.tcpOnTruncation()
                && f.attempts < maxAttempts && f.deadline - now > 0) {
            // Retry the same upstream over TCP; if that fails, the truncated answer is still better than SERVFAIL.
            f.attempts++;
            f.transport = Transport.TCP;
            if (start(f, f.cursor, Transport.TCP, now)) {
                reply.release();
                return;
            }
        }
        deadlines.remove(f.deadlineTimer);
        if (DnsHeader.qdCount(reply) == 0) {
            // Accepted without a question: an error reply (ResponseCheck). The client gets the upstream's
            // rcode with its question echoed: a reply without one would fail the client's own question
            // check (CoreDNS turns it into FORMERR).
            int rcode = DnsHeader.rcode(reply);
            reply.release();
            f.exchange.respondError(rcode, Outcome.ANSWERED);
            return;
        }
        f.exchange.respond(reply, Outcome.ANSWERED);
    }

    /** The attempt's connection failed: try the next upstream at once. */
    void attemptFailed(InFlight f) {
        long now = System.nanoTime();
        attemptTimers.remove(f.attemptTimer);
        f.upstream.failed();
        f.settle(AttemptOutcome.ERROR, now);
        nextAttempt(f, now);
    }

    private void attemptTimedOut(InFlight f, long now) {
        Upstream u = f.upstream;
        u.failed();
        u.metrics().timeout();
        if (f.carrier instanceof UdpUpstreamSocket s) {
            s.pool.timedOut(s, now);
        } else if (f.carrier != null) {
            f.carrier.timedOut();
        }
        f.settle(AttemptOutcome.TIMEOUT, now);
        nextAttempt(f, now);
    }

    private void giveUp(InFlight f) {
        giveUp(f, AttemptOutcome.TIMEOUT);
    }

    /**
     * Answers SERVFAIL, settling the attempt still waiting as {@code waiting}: a timeout counts against
     * the upstream; an attempt abandoned by shutdown does not (the upstream did nothing wrong).
     */
    private void giveUp(InFlight f, AttemptOutcome waiting) {
        long now = System.nanoTime();
        attemptTimers.remove(f.attemptTimer);
        if (f.outstanding()) {
            if (waiting == AttemptOutcome.TIMEOUT) {
                f.upstream.metrics().timeout();
                f.upstream.failed();
                if (!(f.carrier instanceof UdpUpstreamSocket)) {
                    // The deadline, not the attempt timer, ends the last attempt with the defaults (3 x 700 ms
                    // against 1800 ms): its TCP connection is as stuck as one whose attempt timed out.
                    f.carrier.timedOut();
                }
            }
            f.settle(waiting, now);
        }
        deadlines.remove(f.deadlineTimer);
        f.exchange.respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
    }

    private void sweep() {
        long now = System.nanoTime();
        TimeoutList.Node n;
        while ((n = deadlines.pollExpired(now)) != null) {
            giveUp(n.owner);
        }
        while ((n = attemptTimers.pollExpired(now)) != null) {
            attemptTimedOut(n.owner, now);
        }
        if (now - lastMaintenance > 1_000_000_000L) {
            lastMaintenance = now;
            for (int i = 0; i < udp.length; i++) {
                udp[i].maintain(now, options.socketMaxAge().toNanos(), deadlineNanos);
                tcp[i].maintain(now, options.tcpIdle().toNanos());
            }
        }
        loop.flusher().flush();
    }

    /** Shutdown, once the grace period is over: every query still waiting gets SERVFAIL now. */
    void abandonAll() {
        TimeoutList.Node n;
        while ((n = deadlines.poll()) != null) {
            giveUp(n.owner, AttemptOutcome.ABANDONED);
        }
        loop.flusher().flush();
    }

    /** Attempts waiting for an answer on this loop. */
    int inFlight() {
        return attemptTimers.size();
    }

    long rotations(int upstream) {
        return udp[upstream].rotations();
    }

    /** The UDP sockets towards {@code upstream} (tests reach their ID spaces through it). */
    UdpUpstreamPool udpPool(int upstream) {
        return udp[upstream];
    }

    /** The TCP connections towards {@code upstream} (tests see its retired ones through it). */
    TcpUpstream tcpUpstream(int upstream) {
        return tcp[upstream];
    }

    void close() {
        sweeper.cancel(false);
        for (int i = 0; i < udp.length; i++) {
            udp[i].close();
            tcp[i].close();
        }
    }
}
