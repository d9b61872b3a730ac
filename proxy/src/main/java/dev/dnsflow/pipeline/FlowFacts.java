package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.FlowExtension;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.ResponseReader;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stages learn about one query for its flow: who really asked (client context, the hand-off), the upstream
 * attempts, a chaos rule's mark, and the capabilities' own parts (cache, via). {@link Exchange} owns one and builds the
 * flow from it; stages reach it through {@link Exchange#facts()}. Lives on the exchange's event loop.
 */
public final class FlowFacts {
    private List<Attempt> attempts = List.of();
    private ChaosMark chaos;
    private Origin origin;
    private InetAddress originAddress;
    private Extensions extensions = Extensions.NONE;
    /** An answer whose addresses a stage already knows ({@link #knownAddresses}), the count they were read at, and them. */
    private ByteBuf known;
    private int knownAnswers;
    private byte[] knownAddresses;

    public void addAttempt(Attempt attempt) {
        if (attempts.isEmpty()) {
            attempts = new ArrayList<>(2);
        }
        attempts.add(attempt);
    }

    public List<Attempt> attempts() {
        return attempts;
    }

    /** Records who really asked (client context); the first source to say so wins. */
    public void origin(Origin origin, InetAddress address) {
        if (this.origin == null) {
            this.origin = origin;
            this.originAddress = address;
        }
    }

    /**
     * Records who really asked, over any origin already known: for a source that names the client more
     * precisely than the earlier ones (the hand-off names the pod behind the node's dnsflow, which a PROXY
     * header or CoreDNS's rewrite can only name as the node).
     */
    public void replaceOrigin(Origin origin, InetAddress address) {
        this.origin = origin;
        this.originAddress = address;
    }

    public Origin origin() {
        return origin;
    }

    /** The real client's address when client context named one, else null. */
    InetAddress originAddress() {
        return originAddress;
    }

    /** Marks the exchange as touched by a chaos rule; the flow will say so. */
    public void markChaos(ChaosMark mark) {
        this.chaos = mark;
    }

    public ChaosMark chaos() {
        return chaos;
    }

    /** Adds a capability's part to the flow (null removes it). */
    public <T> void extend(FlowExtension<T> key, T value) {
        extensions = extensions.with(key, value);
    }

    Extensions extensions() {
        return extensions;
    }

    /**
     * Says that {@code answer}, about to be given, carries {@code addresses} in its answer section
     * ({@link ResponseReader#addresses}, read when the cache stored it), so its flow's summary needs no parse. It
     * holds while that same buffer goes out with the same answer count: stages on the way back change an answer
     * in place only by cutting sections (truncation, minimal responses, OPT), never the answer records themselves.
     */
    public void knownAddresses(ByteBuf answer, byte[] addresses) {
        known = answer;
        knownAnswers = DnsHeader.anCount(answer);
        knownAddresses = addresses;
    }

    /**
     * The flow's summary of {@code response} as sent (see {@link #knownAddresses}). Used once: the known buffer is
     * then forgotten, as it is released with the answer and Netty recycles pooled buffer objects.
     */
    FlowResponse summary(ByteBuf response, int questionEnd) {
        boolean same = response == known && DnsHeader.anCount(response) == knownAnswers;
        byte[] addresses = knownAddresses;
        forgetKnown();
        if (same) {
            return ResponseReader.summarize(response, addresses);
        }
        return ResponseReader.summarize(response, Math.min(questionEnd, response.readableBytes()));
    }

    /**
     * Forgets the known answer: it was released and replaced by another (a SERVFAIL for a stage that failed on the
     * way back), which a pooled allocator may have handed out as the very same buffer object.
     */
    void forgetKnown() {
        known = null;
        knownAddresses = null;
    }


    /** The origin only, for a copy of the query that goes on without this exchange's flow (the cache's refresh). */
    FlowFacts originOnly() {
        FlowFacts copy = new FlowFacts();
        copy.origin = origin;
        copy.originAddress = originAddress;
        return copy;
    }
}
