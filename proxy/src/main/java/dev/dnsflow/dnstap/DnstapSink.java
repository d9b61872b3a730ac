package dev.dnsflow.dnstap;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.flow.WireCapture;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code --dnstap}: every flow as dnstap messages — CLIENT_QUERY and CLIENT_RESPONSE for the leg from
 * the sender to dnsflow, FORWARDER_QUERY and FORWARDER_RESPONSE for each upstream attempt with the bytes
 * actually sent (our ID) and received. {@code extra} carries {@code {"flow":"ID","origin":"ip:port"}} so
 * tools can link the messages of one flow. Runs on the recorder thread ({@link #nonBlocking}): the writer
 * queues and drops for itself, so a second queue in front of it would buy nothing.
 */
public final class DnstapSink implements FlowSink {
    private final FrameStreamsWriter writer;
    private final DnstapEncoder encoder;
    private final Supplier<InetSocketAddress> local;
    /** Where dnsflow listens, read with each flow (the sink is planned before the frontends bind). */
    private InetSocketAddress localSeen;
    private byte[] localAddress;
    private int localPort;
    private final Map<String, InetSocketAddress> upstreams = new HashMap<>();

    /** @param local where dnsflow listens: the responder of CLIENT_* and the querier of FORWARDER_* */
    public DnstapSink(FrameStreamsWriter writer, DnstapEncoder encoder, Supplier<InetSocketAddress> local) {
        this.writer = writer;
        this.encoder = encoder;
        this.local = local;
    }

    @Override
    public String name() {
        return "dnstap";
    }

    @Override
    public boolean wantsWire() {
        return true;
    }

    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void accept(Flow flow) {
        // Without the bytes there is nothing to put in a dnstap message.
    }

    @Override
    public void accept(Flow flow, WireCapture wire) {
        if (wire == null || wire.query() == null) {
            return;
        }
        InetSocketAddress at = local.get();
        if (at != localSeen) { // changes once at most: configured, then bound
            localSeen = at;
            localAddress = at.getAddress().getAddress();
            localPort = at.getPort();
        }
        byte[] extra = extra(flow);
        byte[] client = address(flow.client().ip());
        SocketProtocol clientProtocol = protocol(flow.client().transport());
        writer.offer(encoder.message(Message.Type.CLIENT_QUERY).protocol(clientProtocol)
                .queryAddress(client, flow.client().port()).responseAddress(localAddress, localPort)
                .queryTime(flow.timeEpochNanos()).queryMessage(wire.query()).extra(extra).encode());
        List<Attempt> attempts = flow.attempts();
        for (int i = 0; i < attempts.size(); i++) {
            Attempt a = attempts.get(i);
            if (a.id() < 0 || wire.forwarded() == null) {
                continue; // never sent
            }
            InetSocketAddress upstream = upstream(a.upstream());
            byte[] sent = wire.forwarded().clone();
            sent[0] = (byte) (a.id() >>> 8);
            sent[1] = (byte) a.id();
            writer.offer(encoder.message(Message.Type.FORWARDER_QUERY).protocol(protocol(a.transport()))
                    .queryAddress(localAddress, 0).responseAddress(upstream).queryTime(a.sentEpochNanos())
                    .queryMessage(sent).extra(extra).encode());
            byte[] answer = wire.answer(i);
            if (answer != null) {
                writer.offer(encoder.message(Message.Type.FORWARDER_RESPONSE).protocol(protocol(a.transport()))
                        .queryAddress(localAddress, 0).responseAddress(upstream).queryTime(a.sentEpochNanos())
                        .responseTime(a.sentEpochNanos() + a.rttMicros() * 1000).queryMessage(sent).responseMessage(answer)
                        .extra(extra).encode());
            }
        }
        if (wire.response() != null) {
            writer.offer(encoder.message(Message.Type.CLIENT_RESPONSE).protocol(clientProtocol)
                    .queryAddress(client, flow.client().port()).responseAddress(localAddress, localPort)
                    .queryTime(flow.timeEpochNanos()).responseTime(flow.timeEpochNanos() + flow.durationMicros() * 1000)
                    .responseMessage(wire.response()).extra(extra).encode());
        }
    }

    @Override
    public void close() {
        writer.close();
    }

    private static byte[] extra(Flow flow) {
        StringBuilder sb = new StringBuilder(64).append("{\"flow\":\"").append(flow.id()).append('"');
        if (flow.origin() != null) {
            String ip = flow.origin().ip();
            sb.append(",\"origin\":\"").append(ip.contains(":") ? "[" + ip + "]" : ip);
            if (flow.origin().port() > 0) {
                sb.append(':').append(flow.origin().port());
            }
            sb.append('"');
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private InetSocketAddress upstream(String label) {
        return upstreams.computeIfAbsent(label, l -> {
            int colon = l.lastIndexOf(':');
            String host = l.substring(0, colon).replace("[", "").replace("]", "");
            return new InetSocketAddress(addressOf(host), Integer.parseInt(l.substring(colon + 1)));
        });
    }

    private static byte[] address(String ip) {
        return addressOf(ip).getAddress();
    }

    private static InetAddress addressOf(String literal) {
        try {
            return InetAddress.getByName(literal); // an IP literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + literal, e);
        }
    }

    private static SocketProtocol protocol(Transport t) {
        return t == Transport.TCP ? SocketProtocol.TCP : SocketProtocol.UDP;
    }
}
