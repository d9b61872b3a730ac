package dev.dnsflow.context;

import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.HandOffCodes;
import dev.dnsflow.handoff.HandOffWire;
import dev.dnsflow.handoff.Via;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Addresses;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.OptView;
import dev.dnsflow.wire.RewrittenOpt;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the client context carried in a query's OPT record — CoreDNS's EDNS0 local options and ECS —
 * and strips it before the query goes upstream, in place: kept options move down, the OPT length and
 * the message length shrink, nothing else changes. An OPT that held nothing else and looks like the
 * one CoreDNS's rewrite adds (size 4096, DO clear, version 0) is removed whole, so the upstream sees
 * the query as the pod sent it. Only the bytes change: the parse of the query as received stays as it
 * was (the flow reports that), and what the rewritten bytes carry is returned as a {@link RewrittenOpt}.
 */
public final class EdnsContext {
    private static final int REWRITE_OPT_SIZE = 4096;
    private static final int OPT_FIXED = 11; // root owner, type, class, TTL, RDLENGTH

    private EdnsContext() {
    }

    /**
     * What was found and done: the OPT as the bytes now carry it (the one given when nothing was
     * removed), the origin client context names (rewrite or ECS; null: options were stripped but named no
     * client) and its address; and apart from those, the hand-off: whether any of its options were there
     * ({@code handOffSeen}), the pod it names and the node's flow ({@code handOffOrigin}, {@code handOffAddress},
     * {@code via}: null unless well formed). Whether to believe the hand-off is the caller's decision.
     */
    public record Found(OptView opt, Origin origin, InetAddress address, Via via, Origin handOffOrigin,
                        InetAddress handOffAddress, boolean handOffSeen, boolean handOffMalformed) {
        public Found(OptView opt, Origin origin, InetAddress address) {
            this(opt, origin, address, null, null, null, false, false);
        }
    }

    /**
     * @param p       the OPT of {@code m} as it is now (before any stripping: as received)
     * @param keepEcs forward ECS unchanged (users who want geo answers), still reading the origin from it
     * @return null when there was no origin and nothing to strip; the query is rewritten in place either way
     */
    public static Found readAndStrip(ByteBuf m, OptView p, ContextCodes codes, boolean keepEcs) {
        return readAndStrip(m, p, codes, keepEcs, null);
    }

    /**
     * The same, also reading and stripping the hand-off of a dnsflow on the node ({@code handOff} its
     * codes, null to leave such options alone): when it is there and well formed, {@link Found#handOffOrigin()}
     * is the pod it names ({@code source} {@code nodelocal}) and {@link Found#via()} the node's flow. An OPT
     * the hand-off says it added is removed whole once empty.
     */
    public static Found readAndStrip(ByteBuf m, OptView p, ContextCodes codes, boolean keepEcs, HandOffCodes handOff) {
        if (!p.edns() || p.optRdLength() == 0) {
            return null;
        }
        int base = m.readerIndex();
        int rdata = base + p.optRdata();
        int end = rdata + p.optRdLength();
        byte[] ip = null;
        int port = 0;
        String protocol = null;
        String pod = null;
        String namespace = null;
        byte[] ecs = null;
        int ecsPrefix = 0;
        int write = rdata;
        HandOffWire.Reader handOffReader = null;
        for (int pos = rdata; pos + 4 <= end;) {
            int code = m.getUnsignedShort(pos);
            int len = m.getUnsignedShort(pos + 2);
            int data = pos + 4;
            if (data + len > end) {
                break; // a truncated option: leave the rest as it is
            }
            boolean strip = codes.isContext(code) || code == ContextCodes.ECS && !keepEcs;
            if (handOff != null && handOff.isHandOff(code)) {
                if (handOffReader == null) {
                    handOffReader = new HandOffWire.Reader(handOff);
                }
                handOffReader.read(m, code, data, len);
                strip = true;
            } else if (code == codes.clientIp() && (len == 4 || len == 16)) {
                ip = bytes(m, data, len);
            } else if (code == codes.clientPort() && len == 2) {
                port = m.getUnsignedShort(data);
            } else if (code == codes.protocol()) {
                protocol = text(m, data, len);
            } else if (code == codes.pod()) {
                pod = text(m, data, len);
            } else if (code == codes.namespace()) {
                namespace = text(m, data, len);
            } else if (code == ContextCodes.ECS && len >= 4) {
                int family = m.getUnsignedShort(data);
                ecsPrefix = m.getUnsignedByte(data + 2);
                int size = family == 1 ? 4 : family == 2 ? 16 : 0;
                if (size > 0 && len - 4 <= size) {
                    ecs = new byte[size];
                    m.getBytes(data + 4, ecs, 0, len - 4);
                }
            }
            if (!strip) {
                copyDown(m, pos, write, 4 + len);
                write += 4 + len;
            }
            pos = data + len;
        }
        int removed = end - write;
        OptView opt = removed > 0 ? shrink(m, p, end, removed, handOffReader != null && handOffReader.addedOpt()) : p;
        Found found = found(p, opt, ip, port, protocol, pod, namespace, ecs, ecsPrefix);
        return handOffReader == null ? found : withHandOff(found, opt, handOffReader);
    }

    /** Whatever else was found, and the hand-off's pod beside it; a malformed hand-off names nothing but is said. */
    private static Found withHandOff(Found found, OptView opt, HandOffWire.Reader reader) {
        Origin origin = found == null ? null : found.origin();
        InetAddress address = found == null ? null : found.address();
        HandOffWire.HandOff h = reader.result();
        if (h == null) {
            return new Found(opt, origin, address, null, null, null, true, reader.malformed());
        }
        Origin pod = new Origin(Addresses.text(h.ip()), h.port(), null, "nodelocal", null, null, null, h.queryId());
        return new Found(opt, origin, address, new Via(h.node(), h.flow()), pod, address(h.ip()), true, false);
    }

    /** Cuts {@code removed} bytes of options ending at {@code end}; returns what the OPT now is. */
    private static OptView shrink(ByteBuf m, OptView p, int end, int removed, boolean handOffAddedOpt) {
        int base = m.readerIndex();
        int newRdLength = p.optRdLength() - removed;
        boolean rewriteOnly = newRdLength == 0 && (p.udpSize() == REWRITE_OPT_SIZE && !p.dnssecOk()
                && m.getInt(base + p.optStart() + 5) == 0 || handOffAddedOpt);
        if (rewriteOnly) {
            // Remove the whole OPT record and count it out of ARCOUNT.
            int optStart = base + p.optStart();
            int optEnd = end;
            copyDown(m, optEnd, optStart, m.writerIndex() - optEnd);
            m.writerIndex(m.writerIndex() - (optEnd - optStart));
            m.setShort(base + 10, DnsHeader.arCount(m) - 1);
            return RewrittenOpt.REMOVED;
        }
        m.setShort(base + p.optRdata() - 2, newRdLength);
        copyDown(m, end, end - removed, m.writerIndex() - end);
        m.writerIndex(m.writerIndex() - removed);
        return RewrittenOpt.shrunk(p, newRdLength);
    }

    /** Moves bytes to a lower index; safe for overlapping ranges because it copies forward. */
    private static void copyDown(ByteBuf m, int from, int to, int length) {
        if (from == to) {
            return;
        }
        for (int i = 0; i < length; i++) {
            m.setByte(to + i, m.getByte(from + i));
        }
    }

    /** The origin found and the OPT as it now is; null when there is neither an origin nor a change. */
    private static Found found(OptView before, OptView after, byte[] ip, int port, String protocol, String pod,
                               String namespace, byte[] ecs, int prefix) {
        Transport transport = "tcp".equalsIgnoreCase(protocol) ? Transport.TCP : "udp".equalsIgnoreCase(protocol) ? Transport.UDP
                : null;
        if (ip != null) {
            return new Found(after, new Origin(Addresses.text(ip), port, transport, "edns0-local", pod, namespace, null),
                    address(ip));
        }
        if (ecs != null) {
            return new Found(after, new Origin(Addresses.text(ecs), 0, null, "ecs", pod, namespace, prefix), address(ecs));
        }
        return after == before ? null : new Found(after, null, null);
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static byte[] bytes(ByteBuf m, int at, int len) {
        byte[] out = new byte[len];
        m.getBytes(at, out);
        return out;
    }

    private static String text(ByteBuf m, int at, int len) {
        return m.toString(at, len, StandardCharsets.US_ASCII);
    }
}
