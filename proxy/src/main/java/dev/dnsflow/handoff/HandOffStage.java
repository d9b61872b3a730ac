package dev.dnsflow.handoff;

import dev.dnsflow.flow.Origin;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.OptView;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;

/**
 * The sending side of the hand-off (the node's dnsflow, {@code --hand-off}): just before the query goes
 * upstream it appends, as EDNS0 local options, the pod that asked (address and port as they reached us),
 * the pod's own query ID, this flow's ID and the node's name, so the dnsflow behind CoreDNS can name the
 * pod and link its flow to this one. Every attempt of the query carries them.
 *
 * <p>The pod is the packet's sender, or the origin of a PROXY v2 header (believed only from
 * {@code --proxy-protocol-from}); never what the query itself claims (rewrite or ECS options, or a hand-off
 * of its own: the context stage strips those on a dnsflow that hands off), so a pod cannot make the node
 * vouch for an address it does not have. Only queries under {@code --hand-off-zones} carry it: the pod's
 * address does not go to upstreams outside the cluster.
 *
 * <p>On the way back: when the hand-off added the OPT (the pod sent none) the answer's OPT is removed, as
 * RFC 6891 7 asks; in every case hand-off and client context options an upstream echoed are removed.
 *
 * <p>Size: the options take 55 to 130 bytes (an IPv6 pod and a 63-byte node name), 11 more when the pod
 * sent no OPT. What the pod advertised does not limit them: that size bounds answers, not queries, and the
 * OPT keeps the pod's own size (512 when the hand-off had to add the OPT), so answers are still cut to what
 * the pod takes. What limits them is CoreDNS: it reads UDP queries into 512-byte buffers (miekg/dns's
 * {@code Server.UDPSize} default, which CoreDNS leaves alone), so a longer query over UDP would reach it cut
 * short. This stage does not know the transport the forward stage will pick (nodelocal's zones use TCP), so
 * the query stays within {@value #MAX_QUERY} bytes: without the node name if that is enough, else without the
 * hand-off at all, counted in {@code dnsflow_handoff_skipped_total}. Real queries are far below (a
 * 253-character name and a cookie come to about 330 bytes with the hand-off).
 */
public final class HandOffStage implements Stage {
    /** The largest query the hand-off leaves: what CoreDNS reads over UDP. */
    public static final int MAX_QUERY = 512;
    private static final byte[] NO_NODE = new byte[0];

    private final HandOffCodes codes;
    private final byte[] node;
    /** The flow's mark when the node name is left out, so both hops key its trace on the same (empty) name. */
    private final HandOffMark nodeLeftOut;
    private final Counter skipped;
    private final HandOffZones zones;
    private final IntPredicate echoed;

    /**
     * @param skipped counts queries sent on without the hand-off because it would not fit
     * @param zones   the queries that carry it
     * @param context the client context codes ({@code --context-option}), also removed from answers
     */
    public HandOffStage(HandOffCodes codes, String node, Counter skipped, HandOffZones zones, IntPredicate context) {
        this.codes = codes;
        this.node = HandOffWire.nodeBytes(node);
        this.nodeLeftOut = new HandOffMark(node == null || node.isEmpty() ? null : node, false);
        this.skipped = skipped;
        this.zones = zones;
        this.echoed = code -> codes.isHandOff(code) || context.test(code);
    }

    @Override
    public String name() {
        return "handoff";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        if (!zones.covers(exchange.name())) {
            next.serve(exchange);
            return;
        }
        // The pod: the packet's sender, or a trusted PROXY v2 header's origin; never what the query claims.
        Origin origin = exchange.facts().origin();
        boolean proxied = origin != null && "proxy-v2".equals(origin.source());
        byte[] ip = proxied ? exchange.clientAddress().getAddress() : exchange.client().getAddress().getAddress();
        int port = proxied ? origin.port() : exchange.client().getPort();
        byte[] flow = exchange.flowId().getBytes(StandardCharsets.US_ASCII);
        OptView opt = exchange.forwardedOpt();
        int size = exchange.query().readableBytes();
        byte[] name = node;
        if (size + HandOffWire.growth(opt, HandOffWire.optionBytes(ip, flow, name)) > MAX_QUERY) {
            name = NO_NODE;
            if (size + HandOffWire.growth(opt, HandOffWire.optionBytes(ip, flow, name)) > MAX_QUERY) {
                skipped.increment();
                next.serve(exchange);
                return;
            }
            exchange.facts().extend(HandOffMark.KEY, nodeLeftOut);
        }
        ByteBuf m = exchange.growQuery(HandOffWire.growth(opt, HandOffWire.optionBytes(ip, flow, name)));
        if (!opt.edns()) {
            exchange.markOptAdded();
        }
        exchange.forwardedOpt(HandOffWire.append(m, opt, codes, ip, port, exchange.parsed().id(), flow, name));
        next.serve(exchange);
    }

    @Override
    public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
        HandOffWire.cleanResponse(response, exchange.optAdded(), echoed);
        back.answer(exchange, response, outcome);
    }
}
