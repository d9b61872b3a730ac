package dev.dnsflow.context;

import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.util.Addresses;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.ParsedQuery;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the client context carried in a query's OPT record — CoreDNS's EDNS0 local options and ECS —
 * and strips it before the query goes upstream, in place: kept options move down, the OPT length and
 * the message length shrink, nothing else changes. An OPT that held nothing else and looks like the
 * one CoreDNS's rewrite adds (size 4096, DO clear, version 0) is removed whole, so the upstream sees
 * the query as the pod sent it.
 */
public final class EdnsContext {
    private static final int REWRITE_OPT_SIZE = 4096;
    private static final int OPT_FIXED = 11; // root owner, type, class, TTL, RDLENGTH

    private EdnsContext() {
    }

    /** What was found: the origin (or null) and its address, for matching. */
    public record Found(Origin origin, InetAddress address) {
    }

    /**
     * @param keepEcs forward ECS unchanged (users who want geo answers), still reading the origin from it
     * @return the origin found, or null; the query is rewritten in place either way
     */
    public static Found readAndStrip(ByteBuf m, ParsedQuery p, ContextCodes codes, boolean keepEcs) {
        if (!p.edns || p.optRdLength == 0) {
            return null;
        }
        int base = m.readerIndex();
        int rdata = base + p.optRdata;
        int end = rdata + p.optRdLength;
        byte[] ip = null;
        int port = 0;
        String protocol = null;
        String pod = null;
        String namespace = null;
        byte[] ecs = null;
        int ecsPrefix = 0;
        int write = rdata;
        for (int pos = rdata; pos + 4 <= end;) {
            int code = m.getUnsignedShort(pos);
            int len = m.getUnsignedShort(pos + 2);
            int data = pos + 4;
            if (data + len > end) {
                break; // a truncated option: leave the rest as it is
            }
            boolean strip = codes.isContext(code) || code == ContextCodes.ECS && !keepEcs;
            if (code == codes.clientIp() && (len == 4 || len == 16)) {
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
        if (removed > 0) {
            shrink(m, p, end, removed);
        }
        Found found = origin(ip, port, protocol, pod, namespace, ecs, ecsPrefix);
        return found;
    }

    private static void shrink(ByteBuf m, ParsedQuery p, int end, int removed) {
        int base = m.readerIndex();
        int newRdLength = p.optRdLength - removed;
        boolean rewriteOnly = newRdLength == 0 && p.udpSize == REWRITE_OPT_SIZE && !p.dnssecOk
                && m.getInt(base + p.optStart + 5) == 0;
        if (rewriteOnly) {
            // Remove the whole OPT record and count it out of ARCOUNT.
            int optStart = base + p.optStart;
            int optEnd = end;
            copyDown(m, optEnd, optStart, m.writerIndex() - optEnd);
            m.writerIndex(m.writerIndex() - (optEnd - optStart));
            m.setShort(base + 10, DnsHeader.arCount(m) - 1);
            p.edns = false;
            p.udpSize = 512;
            p.optStart = 0;
            p.optRdata = 0;
            p.optRdLength = 0;
            return;
        }
        m.setShort(base + p.optRdata - 2, newRdLength);
        copyDown(m, end, end - removed, m.writerIndex() - end);
        m.writerIndex(m.writerIndex() - removed);
        p.optRdLength = newRdLength;
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

    private static Found origin(byte[] ip, int port, String protocol, String pod, String namespace, byte[] ecs, int prefix) {
        Transport transport = "tcp".equalsIgnoreCase(protocol) ? Transport.TCP : "udp".equalsIgnoreCase(protocol) ? Transport.UDP
                : null;
        if (ip != null) {
            return new Found(new Origin(Addresses.text(ip), port, transport, "edns0-local", pod, namespace, null), address(ip));
        }
        if (ecs != null) {
            return new Found(new Origin(Addresses.text(ecs), 0, null, "ecs", pod, namespace, prefix), address(ecs));
        }
        return null;
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
