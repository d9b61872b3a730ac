package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.flow.WallClock;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.OptView;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One client query on its way through the pipeline: the raw bytes (owned until the answer is sent),
 * what was parsed from them, what the stages learn for its flow ({@link FlowFacts}), and how to answer. Lives on one event loop.
 * Answering completes it exactly once: the answer is sent, the flow recorded, the query released.
 */
public final class Exchange {
    /** Told when an exchange completes (the TCP frontend uses it for per-connection backpressure). */
    public interface Listener {
        void completed(Exchange exchange);
    }

    private final LoopContext loop;
    private final Channel channel;
    private final InetSocketAddress client;
    private final Transport transport;
    private ByteBuf query;
    private final ParsedQuery parsed;
    /** The OPT of {@link #query} as it goes upstream: {@link #parsed} until a stage rewrites the bytes. */
    private OptView forwardedOpt;
    private final long receivedNanos;
    private final Listener listener;
    private State state = State.OPEN;
    private FlowFacts facts = new FlowFacts();
    private WireCapture wire;
    /** The flow's ID once a stage needed it before the answer (the hand-off sends it upstream). */
    private String flowId;
    /** A stage added an OPT the client did not send: its answer must go back without one (RFC 6891 7). */
    private boolean optAdded;
    /** Set by the pipeline that serves it; null for an exchange answered outside one. */
    Pipeline pipeline;
    /** How far into the pipeline the exchange went: an answer goes back from here. */
    int depth;
    /** Work a stage deferred (see {@link #defer}); null until the first deferral. */
    private Deferred deferred;
    /** Run once the exchange ends, however (see {@link #whenDone}). */
    private Runnable onDone;
    /** A copy with no client (see {@link #detachedCopy}): its answer goes nowhere, and it counts in no metrics. */
    private boolean detached;

    /** Open until answered; answering while the answer is on its way back through the stages; then done. */
    private enum State { OPEN, ANSWERING, DONE }
    /** Links in the loop's list of exchanges not yet completed (see {@link LoopContext#abandonLive}). */
    Exchange liveNext;
    Exchange livePrev;

    /** Takes ownership of {@code query}. */
    public Exchange(LoopContext loop, Channel channel, InetSocketAddress client, Transport transport,
                    ByteBuf query, ParsedQuery parsed, long receivedNanos, Listener listener) {
        this.loop = loop;
        this.channel = channel;
        this.client = client;
        this.transport = transport;
        this.query = query;
        this.parsed = parsed;
        this.forwardedOpt = parsed;
        this.receivedNanos = receivedNanos;
        this.listener = listener;
        if (loop.capturesWire()) {
            wire = new WireCapture();
            wire.query(query);
        }
        loop.opened(this);
    }

    /**
     * The allocator of the channel the query came in on: an answer a stage writes itself (a cache hit) comes from the
     * same pool as the reads (a pooled one for UDP, see {@code net.Transports}), not from Netty's default.
     */
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /**
     * A copy of this exchange's query as it stands now (rewritten by the stages so far, OPT as forwarded), with no
     * client: served through the rest of the same pipeline, its answer passes back through the stages and is then
     * released, not sent; it counts in no metrics (the cache refreshes an entry with it). It records a flow of its
     * own, with its own ID and this exchange's client (whose query caused it): its upstream attempts are real
     * traffic, and a stage may already have sent its flow ID on (the hand-off's {@code via.nodelocal.flow}).
     */
    public Exchange detachedCopy() {
        ByteBuf copy = channel.alloc().buffer(query.readableBytes());
        copy.writeBytes(query, query.readerIndex(), query.readableBytes());
        Exchange e = new Exchange(loop, channel, client, transport, copy, parsed, System.nanoTime(), null);
        e.detached = true;
        e.wire = null;
        e.forwardedOpt = forwardedOpt;
        e.facts = facts.originOnly();
        e.pipeline = pipeline;
        return e;
    }

    /** Whether this is a {@link #detachedCopy}: no client waits for its answer, and it counts in no metrics. */
    public boolean detached() {
        return detached;
    }

    /** The bytes behind the flow, or null when no sink wants them. */
    public WireCapture wire() {
        return wire;
    }

    public LoopContext loop() {
        return loop;
    }

    public InetSocketAddress client() {
        return client;
    }

    public Transport transport() {
        return transport;
    }

    /**
     * The query bytes, becoming what is forwarded: the context stage strips options from the OPT in
     * place (see {@link #forwardedOpt()}) and the forward stage patches the ID; the header and the
     * question stay where {@link #parsed()} found them.
     */
    public ByteBuf query() {
        return query;
    }

    /** The query as received: what the flow reports. No stage changes it. */
    public ParsedQuery parsed() {
        return parsed;
    }

    /** The OPT record of {@link #query()} as it goes upstream: as received unless a stage rewrote it. */
    public OptView forwardedOpt() {
        return forwardedOpt;
    }

    /** A stage rewrote the OPT of {@link #query()} in place; {@code opt} is what the bytes now carry. */
    public void forwardedOpt(OptView opt) {
        this.forwardedOpt = opt;
    }

    /** The question's name as {@link #name} would decode it, which a stage already has (the cache, made once). */
    public void knownName(String text) {
        facts.knownName(text);
    }

    /** The question's name in presentation form ({@code example.com.}), decoded once; null without one. */
    public String name() {
        return facts.name(query, parsed);
    }

    public long receivedNanos() {
        return receivedNanos;
    }

    /** Whether an answer was given (it may still be on its way back) or the exchange ended without one. */
    public boolean isDone() {
        return state != State.OPEN;
    }

    /** What the stages learn for the flow: who asked, the attempts, marks and the capabilities' parts. */
    public FlowFacts facts() {
        return facts;
    }

    /** Answers with an error written by dnsflow (header and question echoed). */
    public void respondError(int rcode, Outcome outcome) {
        respond(Responses.error(channel.alloc(), query, parsed, rcode), outcome);
    }

    /** Answers with no records and TC=1, so the client retries over TCP. */
    public void respondTruncated(Outcome outcome) {
        ByteBuf answer = Responses.error(channel.alloc(), query, parsed, Responses.NOERROR);
        DnsHeader.setFlags(answer, DnsHeader.flags(answer) | DnsHeader.FLAG_TC);
        respond(answer, outcome);
    }

    /**
     * Answers with {@code response} (ownership passes here): it goes back through the stages that act
     * on answers, then to the client ({@link #send}). Only the first answer counts; later ones are released.
     */
    public void respond(ByteBuf response, Outcome outcome) {
        if (state != State.OPEN) {
            response.release();
            return;
        }
        state = State.ANSWERING;
        if (pipeline == null) {
            send(response, outcome);
        } else {
            pipeline.answer(this, response, outcome);
        }
    }

    /**
     * Runs {@code work} on this exchange's loop after {@code nanos}, under the pipeline's guard, and
     * flushes what it wrote: a stage that delays the query or its answer (chaos) re-enters here. One
     * piece of work at a time. Shutdown does not wait for it (see {@link #abandon}).
     */
    public void defer(long nanos, Runnable work) {
        if (deferred == null) {
            deferred = new Deferred();
        }
        deferred.hold(work, loop.eventLoop().schedule(this::runPending, nanos, TimeUnit.NANOSECONDS));
    }

    private boolean deferring() {
        return deferred != null && deferred.holds();
    }

    private void runPending() {
        Runnable work = deferred.take();
        if (work == null) {
            return;
        }
        if (pipeline == null) {
            work.run();
        } else {
            pipeline.guard(this, work);
        }
        loop.flusher().flush();
    }

    /**
     * Shutdown, once the grace period is over: an answer held back on its way goes out now, and a query
     * not yet answered (a chaos delay still waiting) gets SERVFAIL. Either way its flow is recorded.
     */
    void abandon() {
        if (state == State.OPEN) {
            if (deferring()) {
                deferred.take(); // the delayed query is answered SERVFAIL now instead
            }
            respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
        }
        while (state == State.ANSWERING && deferring()) {
            runPending();
        }
    }

    /**
     * A stage threw: the client gets SERVFAIL all the same. On the way in it goes back through the
     * stages like any answer; an answer lost on its way back is replaced by a SERVFAIL sent at once,
     * past the stages, so a failing stage cannot fail it twice.
     */
    void failed() {
        if (state == State.OPEN) {
            respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
        } else if (state == State.ANSWERING) {
            facts.forgetKnown(); // the answer it was about is gone
            send(Responses.error(channel.alloc(), query, parsed, Responses.SERVFAIL), Outcome.SERVFAIL);
        }
    }

    /** Whether the answer is still on its way back with nothing deferred holding it (see {@link Pipeline#answer}). */
    boolean answeringNow() {
        return state == State.ANSWERING && !deferring();
    }

    /**
     * The end of the way back: sends {@code response} with the client's own ID, truncated with TC=1 if
     * a UDP client cannot take its size, then records the flow.
     */
    void send(ByteBuf response, Outcome outcome) {
        if (state == State.DONE) {
            response.release();
            return;
        }
        state = State.DONE;
        int questionEnd = parsed.hasQuestion() ? parsed.questionEnd() : DnsHeader.SIZE;
        if (detached) {
            boolean recording = loop.recording();
            FlowResponse summary = recording ? facts.summary(response, questionEnd) : null;
            response.release();
            finish(recording, summary, outcome, System.nanoTime());
            return;
        }
        DnsHeader.setId(response, parsed.id());
        // Truncate by the size the query was forwarded with, not the received one (as before the parse
        // became immutable): 512 when the context stage removed CoreDNS's rewrite OPT, whose 4096 was
        // CoreDNS's addition, and the upstream was asked without EDNS.
        if (transport == Transport.UDP && response.readableBytes() > forwardedOpt.udpSize() && parsed.hasQuestion()) {
            Responses.truncate(response, questionEnd);
        }
        boolean recording = loop.recording();
        FlowResponse summary = recording ? facts.summary(response, questionEnd) : null;
        long now = System.nanoTime();
        loop.metrics().response(outcome, DnsHeader.rcode(response), now - receivedNanos);
        if (wire != null) {
            wire.response(response);
        }
        Object message = transport == Transport.UDP ? new DatagramPacket(response, client) : response;
        loop.flusher().write(channel, message);
        finish(recording, summary, outcome, now);
    }

    /** Ends the exchange without any answer and without a flow; the drop is counted under {@code reason}. */
    public void drop(String reason) {
        endUnanswered(reason, false, null);
    }

    /**
     * Ends the exchange without any answer on purpose (chaos): counted as a drop, recorded as a flow. A
     * stage may do this to an answer on its way back, after releasing it.
     */
    public void dropRecorded(String reason, Outcome outcome) {
        endUnanswered(reason, loop.recording(), outcome);
    }

    private void endUnanswered(String reason, boolean recording, Outcome outcome) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        long now = System.nanoTime();
        if (!detached) {
            loop.metrics().drop(reason, now - receivedNanos);
        }
        finish(recording, null, outcome, now);
    }

    /**
     * Makes room for {@code bytes} more at the end of the query, which a stage is about to write (the
     * hand-off appends EDNS options). A buffer that cannot grow (a TCP frame is a slice of the stream)
     * is copied once into one that can.
     */
    public ByteBuf growQuery(int bytes) {
        if (query.maxWritableBytes() < bytes) {
            ByteBuf bigger = channel.alloc().buffer(query.readableBytes() + bytes);
            bigger.writeBytes(query, query.readerIndex(), query.readableBytes());
            query.release();
            query = bigger;
        }
        query.ensureWritable(bytes);
        return query;
    }

    /** Says that a stage added an OPT record the client did not send (the hand-off). */
    public void markOptAdded() {
        optAdded = true;
    }

    /** Whether a stage added an OPT the client did not send; the answer must then carry none. */
    public boolean optAdded() {
        return optAdded;
    }

    /** The flow's ID, chosen now if no stage asked before; the recorded flow carries the same. */
    public String flowId() {
        if (flowId == null) {
            flowId = loop.flowIds().next(WallClock.epochNanos(receivedNanos) / 1_000_000);
        }
        return flowId;
    }

    /**
     * Runs {@code hook} once this exchange ends, answered or not (a drop never goes back through the stages):
     * a stage that holds something for the exchange lets it go there. One hook per exchange.
     */
    public void whenDone(Runnable hook) {
        if (onDone != null) {
            throw new IllegalStateException("a hook is already set for this exchange");
        }
        onDone = hook;
    }

    private void done() {
        Runnable hook = onDone;
        if (hook != null) {
            onDone = null;
            hook.run();
        }
    }

    /** The real client when known from client context, else the packet's sender. */
    public InetAddress clientAddress() {
        InetAddress origin = facts.originAddress();
        return origin != null ? origin : client.getAddress();
    }

    /** @param recording whether anything wants the flow (asked once per exchange, so metrics and flow agree) */
    private void finish(boolean recording, FlowResponse summary, Outcome outcome, long now) {
        if (recording) {
            loop.record(facts.flow(flowId(), receivedNanos, new Endpoint(loop.addressText(client.getAddress()),
                    client.getPort(), transport), query, parsed, summary, now, outcome), wire);
        }
        query.release();
        done();
        loop.closed(this);
        if (listener != null) {
            listener.completed(this);
        }
    }
}
