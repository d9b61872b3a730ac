package dev.dnsflow.sidecar.join;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.dnsflow.dnstap.proto.Dnstap;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Addresses;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import dev.dnsflow.wire.ResponseReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes a dnstap frame from CoreDNS into a {@link CorednsEvent}, parsing the DNS message it carries
 * with dnsflow's own wire code. Anything else (other message types, unparsable bytes) yields null.
 */
final class CorednsEvents {
    /** {@code extra "{remote}:{port} {>id} ..."}: the pod's address, port and original ID. */
    private static final Pattern EXTRA = Pattern.compile("^\\[?([0-9a-fA-F.:]+?)\\]?:(\\d+) (\\d+)");

    private CorednsEvents() {
    }

    static CorednsEvent decode(byte[] frame) {
        Dnstap d;
        try {
            d = Dnstap.parseFrom(frame);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
        if (!d.hasMessage()) {
            return null;
        }
        Message m = d.getMessage();
        CorednsEvent.Kind kind = switch (m.getType()) {
            case CLIENT_QUERY -> CorednsEvent.Kind.CLIENT_QUERY;
            case CLIENT_RESPONSE -> CorednsEvent.Kind.CLIENT_RESPONSE;
            case FORWARDER_QUERY -> CorednsEvent.Kind.FORWARDER_QUERY;
            case FORWARDER_RESPONSE -> CorednsEvent.Kind.FORWARDER_RESPONSE;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        boolean response = kind == CorednsEvent.Kind.CLIENT_RESPONSE || kind == CorednsEvent.Kind.FORWARDER_RESPONSE;
        byte[] wire = (response && m.hasResponseMessage() ? m.getResponseMessage() : m.getQueryMessage()).toByteArray();
        if (wire.length < DnsHeader.SIZE) {
            return null;
        }
        String ip = m.hasQueryAddress() ? Addresses.text(m.getQueryAddress().toByteArray()) : "";
        int port = m.getQueryPort();
        Matcher extra = EXTRA.matcher(d.hasExtra() ? d.getExtra().toString(StandardCharsets.UTF_8) : "");
        if (extra.find()) {
            ip = extra.group(1);
            port = Integer.parseInt(extra.group(2));
        }
        long time = response && m.hasResponseTimeSec() ? m.getResponseTimeSec() * 1_000_000_000L + m.getResponseTimeNsec()
                : m.getQueryTimeSec() * 1_000_000_000L + m.getQueryTimeNsec();
        Transport transport = m.getSocketProtocol() == SocketProtocol.TCP ? Transport.TCP : Transport.UDP;
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        try {
            ParsedQuery q = new ParsedQuery();
            // A response parses like a query for what we need (ID, question); QR is set, so clear it first.
            buf.setShort(2, DnsHeader.flags(buf) & ~DnsHeader.FLAG_QR);
            QueryParser.parse(buf, q);
            if (!q.hasQuestion()) {
                return null;
            }
            String qname = Names.toText(buf, 0, DnsHeader.SIZE, q.nameEnd());
            buf.setShort(2, DnsHeader.flags(buf) | (response ? DnsHeader.FLAG_QR : 0));
            return new CorednsEvent(kind, ip, port, transport, q.id(), qname, q.qtype(), q.qclass(), q.recursionDesired(), wire.length,
                    time, response ? ResponseReader.summarize(buf, q.questionEnd()) : null);
        } finally {
            buf.release();
        }
    }
}
