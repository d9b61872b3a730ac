package dev.dnsflow.handoff;

import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import dev.dnsflow.wire.OptView;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The sending side of the hand-off (the node's dnsflow, {@code --hand-off}): just before the query goes
 * upstream it appends, as EDNS0 local options, the pod that asked (address and port as they reached us),
 * the pod's own query ID, this flow's ID and the node's name, so the dnsflow behind CoreDNS can name the
 * pod and link its flow to this one. Every attempt of the query carries them.
 *
 * <p>Size: the options take 54 to 129 bytes (an IPv6 pod and a 63-byte node name), 11 more when the pod
 * sent no OPT. They are always added, even when the query then exceeds 512 bytes or what the pod
 * advertised: that size bounds answers, not queries, and the receiver (CoreDNS, over TCP from
 * nodelocal or with a UDP read buffer far above 512) takes it; the pod's own size still bounds the answer,
 * because the OPT keeps the pod's UDP size (512 when the hand-off had to add the OPT).
 */
public final class HandOffStage implements Stage {
    private final HandOffCodes codes;
    private final byte[] node;

    public HandOffStage(HandOffCodes codes, String node) {
        this.codes = codes;
        this.node = HandOffWire.nodeBytes(node);
    }

    @Override
    public String name() {
        return "handoff";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        // The pod: the packet's sender, or whoever client context named (a dnsflow behind another hop).
        byte[] ip = exchange.clientAddress().getAddress();
        int port = exchange.origin() != null ? exchange.origin().port() : exchange.client().getPort();
        byte[] flow = exchange.flowId().getBytes(StandardCharsets.US_ASCII);
        OptView opt = exchange.forwardedOpt();
        int optionBytes = HandOffWire.optionBytes(ip, flow, node);
        ByteBuf m = exchange.growQuery(HandOffWire.growth(opt, optionBytes));
        exchange.forwardedOpt(HandOffWire.append(m, opt, codes, ip, port, exchange.parsed().id(), flow, node));
        next.serve(exchange);
    }
}
