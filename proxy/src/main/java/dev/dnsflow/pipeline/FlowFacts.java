package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowExtension;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.WallClock;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.ResponseReader;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stages learn about one query for its flow: who really asked (client context, the hand-off), the upstream
 * attempts, a chaos rule's mark, the capabilities' own parts (cache, via) and the question's name, and builds the flow
 * from them ({@link #flow}); {@link Exchange} owns one and keeps to the query's lifecycle and I/O; stages reach it
 * through {@link Exchange#facts()}. Lives on the exchange's event loop.
 */
public final class FlowFacts {
    private List<Attempt> attempts = List.of();
    private ChaosMark chaos;
    private Origin origin;
    private InetAddress originAddress;
    private Extensions extensions = Extensions.NONE;
    /** The question's name, decoded once or given by a stage that had it ({@link #knownName}). */
    private String name;
    /** An answer whose addresses a stage already knows ({@link #knownAddresses}), the count they were read at, and them. */
    private ByteBuf known;
    private int knownAnswers;
    private byte[] knownAddresses;

    /**
     * Most queries make one attempt: it is kept as an immutable one-element list, which the flow then takes without
     * a copy ({@code List.copyOf}); a second one moves them to a growable list.
     */
    public void addAttempt(Attempt attempt) {
        if (attempts.isEmpty()) {
            attempts = List.of(attempt);
            return;
        }
        if (attempts.size() == 1) {
            attempts = new ArrayList<>(attempts);
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

    /** The question's name as {@link #name} would decode it, which a stage already has (the cache, made once). */
    void knownName(String text) {
        if (name == null) {
            name = text;
        }
    }

    /** The question's name in {@code query} in presentation form ({@code example.com.}), decoded once; null without one. */
    String name(ByteBuf query, ParsedQuery parsed) {
        if (name == null && parsed.hasQuestion()) {
            int base = query.readerIndex();
            name = Names.toText(query, base, base + DnsHeader.SIZE, base + parsed.nameEnd());
        }
        return name;
    }

    /** The flow of a query received at {@code receivedNanos} and ended at {@code endNanos}, from what was learnt. */
    Flow flow(String id, long receivedNanos, Endpoint client, ByteBuf query, ParsedQuery parsed, FlowResponse summary,
              long endNanos, Outcome outcome) {
        // The query as received, whatever the stages sent upstream (a stripped OPT does not change edns_size).
        QueryInfo info = new QueryInfo(parsed.id(), name(query, parsed), parsed.qtype(), parsed.qclass(),
                parsed.recursionDesired(), parsed.checkingDisabled(), parsed.dnssecOk(), parsed.advertisedEdnsSize(),
                parsed.size());
        return new Flow(id, WallClock.epochNanos(receivedNanos), client, info, attempts, summary,
                (endNanos - receivedNanos) / 1_000, outcome, chaos, origin, extensions);
    }

    /** The origin only, for a copy of the query that goes on without this exchange's flow (the cache's refresh). */
    FlowFacts originOnly() {
        FlowFacts copy = new FlowFacts();
        copy.origin = origin;
        copy.originAddress = originAddress;
        return copy;
    }
}
