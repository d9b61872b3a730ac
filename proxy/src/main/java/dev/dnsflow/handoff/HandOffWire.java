package dev.dnsflow.handoff;

import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.OptView;
import dev.dnsflow.wire.RewrittenOpt;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The hand-off's bytes: appending its options to a query's OPT record (adding an OPT when there is
 * none) in place, and reading them back. Pure wire code, no allocation beyond the option values read.
 *
 * <p>Appending inserts the options at the end of the OPT's RDATA (records after the OPT move up) and
 * raises RDLENGTH; a query without OPT gets one at the end of the message with UDP size 512, DO clear,
 * version 0: what the pod could take without EDNS, so nothing upstream answers larger than it asked.
 * The {@code query_id} option then says so explicitly: its third byte is {@link #FLAG_ADDED_OPT}. The
 * receiving side removes such an OPT whole once the hand-off is stripped from it ({@link Reader#addedOpt()}),
 * so the upstream sees the query as the pod sent it; a pod's own OPT is never taken for it, whatever its
 * size and flags.
 */
public final class HandOffWire {
    /** The UDP size of an OPT the hand-off adds (RFC 6891 6.2.5: what a client without EDNS can take). */
    public static final int ADDED_OPT_SIZE = 512;
    /** Longer node names are cut to this many bytes (a DNS label's length; node names are usually far shorter). */
    public static final int MAX_NODE = 63;
    /** Longer flow IDs are malformed (ours are 26 characters). */
    public static final int MAX_FLOW = 64;
    static final int OPT_FIXED = 11; // root owner, type, class, TTL, RDLENGTH
    private static final int OPT_TYPE = 41;
    /** In the third byte of the {@code query_id} option: the hand-off added the OPT (the pod sent none). */
    public static final int FLAG_ADDED_OPT = 1;

    private HandOffWire() {
    }

    /** The bytes the options take: five option headers and their data (the query ID with its flags byte). */
    public static int optionBytes(byte[] ip, byte[] flow, byte[] node) {
        return 5 * 4 + ip.length + 2 + 3 + flow.length + node.length;
    }

    /** The bytes appending grows the message by: the options, plus an OPT record when there is none. */
    public static int growth(OptView opt, int optionBytes) {
        return optionBytes + (opt.edns() ? 0 : OPT_FIXED);
    }

    /**
     * Appends the hand-off to {@code m}, which has at least {@link #growth} writable bytes.
     *
     * @return the OPT the bytes now carry
     */
    public static OptView append(ByteBuf m, OptView opt, HandOffCodes codes, byte[] ip, int port, int id, byte[] flow,
                                 byte[] node) {
        int base = m.readerIndex();
        int n = optionBytes(ip, flow, node);
        if (!opt.edns()) {
            int start = m.writerIndex() - base;
            m.writeByte(0); // root
            m.writeShort(OPT_TYPE);
            m.writeShort(ADDED_OPT_SIZE);
            m.writeInt(0); // extended rcode, version, DO and flags
            m.writeShort(n);
            writeOptions(m, codes, ip, port, id, FLAG_ADDED_OPT, flow, node);
            m.setShort(base + 10, DnsHeader.arCount(m) + 1);
            return new RewrittenOpt(true, ADDED_OPT_SIZE, false, start, start + OPT_FIXED, n);
        }
        int at = base + opt.optRdata() + opt.optRdLength();
        int tail = m.writerIndex() - at;
        m.writerIndex(m.writerIndex() + n);
        for (int i = tail - 1; i >= 0; i--) { // records after the OPT (rare: TSIG) move up, last byte first
            m.setByte(at + n + i, m.getByte(at + i));
        }
        int end = m.writerIndex();
        m.writerIndex(at);
        writeOptions(m, codes, ip, port, id, 0, flow, node);
        m.writerIndex(end);
        m.setShort(base + opt.optRdata() - 2, opt.optRdLength() + n);
        return new RewrittenOpt(true, opt.udpSize(), opt.dnssecOk(), opt.optStart(), opt.optRdata(), opt.optRdLength() + n);
    }

    private static void writeOptions(ByteBuf m, HandOffCodes codes, byte[] ip, int port, int id, int flags, byte[] flow,
                                     byte[] node) {
        m.writeShort(codes.clientIp()).writeShort(ip.length).writeBytes(ip);
        m.writeShort(codes.clientPort()).writeShort(2).writeShort(port);
        m.writeShort(codes.queryId()).writeShort(3).writeShort(id).writeByte(flags);
        m.writeShort(codes.flow()).writeShort(flow.length).writeBytes(flow);
        m.writeShort(codes.node()).writeShort(node.length).writeBytes(node);
    }

    /** The node name as sent: ASCII, at most {@link #MAX_NODE} bytes. */
    public static byte[] nodeBytes(String node) {
        byte[] b = node == null ? new byte[0] : node.getBytes(StandardCharsets.US_ASCII);
        b = b.length <= MAX_NODE ? b : java.util.Arrays.copyOf(b, MAX_NODE);
        for (int i = 0; i < b.length; i++) {
            if (b[i] <= 0x20 || b[i] >= 0x7f) { // a space or control byte: the reader would reject the whole hand-off
                b[i] = '?';
            }
        }
        return b;
    }

    /**
     * Cleans the OPT of a response in place before it goes back to the pod: with {@code removeOpt} (the
     * hand-off added the OPT, so the pod sent none and RFC 6891 7 forbids one in the answer) the OPT record
     * goes whole and ARCOUNT drops by one; otherwise only the options {@code drop} names go (an upstream that
     * echoes the query's options must not hand the hand-off or client context back). A response that cannot
     * be walked is left as it is.
     *
     * @return whether the bytes changed
     */
    public static boolean cleanResponse(ByteBuf m, boolean removeOpt, java.util.function.IntPredicate drop) {
        int base = m.readerIndex();
        int limit = m.writerIndex();
        if (limit - base < DnsHeader.SIZE) {
            return false;
        }
        int qd = m.getUnsignedShort(base + 4);
        int before = m.getUnsignedShort(base + 6) + m.getUnsignedShort(base + 8);
        int ar = m.getUnsignedShort(base + 10);
        int pos = base + DnsHeader.SIZE;
        for (int i = 0; i < qd && pos >= 0; i++) {
            pos = dev.dnsflow.wire.Names.skip(m, base, pos, limit);
            pos = pos < 0 || pos + 4 > limit ? -1 : pos + 4;
        }
        for (int i = 0; i < before && pos >= 0; i++) {
            pos = recordEnd(m, base, pos, limit);
        }
        for (int i = 0; i < ar && pos >= 0; i++) {
            int end = recordEnd(m, base, pos, limit);
            if (end < 0) {
                return false;
            }
            if (m.getByte(pos) == 0 && m.getUnsignedShort(pos + 1) == OPT_TYPE) {
                return removeOpt ? cut(m, pos, end, ar) : dropOptions(m, pos + OPT_FIXED, end, drop);
            }
            pos = end;
        }
        return false;
    }

    private static boolean cut(ByteBuf m, int start, int end, int ar) {
        copyDown(m, end, start, m.writerIndex() - end);
        m.writerIndex(m.writerIndex() - (end - start));
        m.setShort(m.readerIndex() + 10, ar - 1);
        return true;
    }

    private static boolean dropOptions(ByteBuf m, int rdata, int end, java.util.function.IntPredicate drop) {
        int write = rdata;
        for (int pos = rdata; pos + 4 <= end;) {
            int len = m.getUnsignedShort(pos + 2);
            if (pos + 4 + len > end) {
                return false; // a truncated option: leave the OPT alone
            }
            if (!drop.test(m.getUnsignedShort(pos))) {
                copyDown(m, pos, write, 4 + len);
                write += 4 + len;
            }
            pos += 4 + len;
        }
        int removed = end - write;
        if (removed == 0) {
            return false;
        }
        m.setShort(rdata - 2, m.getUnsignedShort(rdata - 2) - removed);
        copyDown(m, end, write, m.writerIndex() - end);
        m.writerIndex(m.writerIndex() - removed);
        return true;
    }

    /** Moves bytes to a lower index; safe for overlapping ranges because it copies forward. */
    private static void copyDown(ByteBuf m, int from, int to, int length) {
        if (from != to) {
            for (int i = 0; i < length; i++) {
                m.setByte(to + i, m.getByte(from + i));
            }
        }
    }

    /** The offset after the record at {@code pos}, or -1 when it does not fit. */
    private static int recordEnd(ByteBuf m, int base, int pos, int limit) {
        int nameEnd = dev.dnsflow.wire.Names.skip(m, base, pos, limit);
        if (nameEnd == dev.dnsflow.wire.Names.INVALID || nameEnd + 10 > limit) {
            return -1;
        }
        int end = nameEnd + 10 + m.getUnsignedShort(nameEnd + 8);
        return end > limit ? -1 : end;
    }

    /** The hand-off read from a query's options: collects them one by one, then says what they named. */
    public static final class Reader {
        private final HandOffCodes codes;
        private byte[] ip;
        private int port = -1;
        private int id = -1;
        private String flow;
        private String node;
        private boolean malformed;
        private boolean seen;
        private boolean addedOpt;

        public Reader(HandOffCodes codes) {
            this.codes = codes;
        }

        /** Reads one option; false when it is not the hand-off's. */
        public boolean read(ByteBuf m, int code, int data, int len) {
            if (!codes.isHandOff(code)) {
                return false;
            }
            seen = true;
            if (code == codes.clientIp()) {
                if (len == 4 || len == 16) {
                    ip = new byte[len];
                    m.getBytes(data, ip);
                } else {
                    malformed = true;
                }
            } else if (code == codes.clientPort()) {
                port = len == 2 ? m.getUnsignedShort(data) : bad();
            } else if (code == codes.queryId()) {
                id = len == 2 || len == 3 ? m.getUnsignedShort(data) : bad();
                addedOpt = len == 3 && (m.getUnsignedByte(data + 2) & FLAG_ADDED_OPT) != 0;
            } else if (code == codes.flow()) {
                flow = len > 0 && len <= MAX_FLOW ? printable(m, data, len) : null;
                malformed |= flow == null;
            } else {
                node = len <= MAX_NODE ? printable(m, data, len) : null;
                malformed |= node == null;
            }
            return true;
        }

        private int bad() {
            malformed = true;
            return -1;
        }

        private String printable(ByteBuf m, int at, int len) {
            for (int i = 0; i < len; i++) {
                int b = m.getUnsignedByte(at + i);
                if (b <= 0x20 || b >= 0x7f) {
                    return null;
                }
            }
            return m.toString(at, len, StandardCharsets.US_ASCII);
        }

        /** Whether the sending side said it added the OPT these options came in (the pod sent none). */
        public boolean addedOpt() {
            return addedOpt && !malformed();
        }

        /** Whether any hand-off option was there. */
        public boolean seen() {
            return seen;
        }

        /** Whether what was there cannot be believed: a bad length or text, or no client address or flow ID. */
        public boolean malformed() {
            return seen && (malformed || ip == null || flow == null);
        }

        /** What the options named, or null when none was there or they were malformed. */
        public HandOff result() {
            return seen && !malformed() ? new HandOff(ip, Math.max(port, 0), id < 0 ? null : id, flow,
                    node == null || node.isEmpty() ? null : node) : null;
        }
    }

    /** A hand-off as read: the pod's address (raw), port and query ID (null when not sent), the flow ID and node. */
    public record HandOff(byte[] ip, int port, Integer queryId, String flow, String node) {
    }
}
