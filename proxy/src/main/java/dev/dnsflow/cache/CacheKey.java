package dev.dnsflow.cache;

import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.ParsedQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * What an answer is cached under (CoreDNS's key): the question's name lower-cased, in wire form, its type and
 * class, and the query's DO, CD and RD bits (an RD=0 query asks for what the upstream has without recursing, so
 * its answer is not one for RD=1 queries, nor the other way round). A key is either stored (immutable, exactly sized) or a per-loop
 * <em>probe</em> refilled for every query, so a lookup allocates nothing.
 */
public final class CacheKey {
    static final int MAX_NAME = 255;
    private static final int DO = 1;
    private static final int CD = 2;
    private static final int RD = 4;

    private final byte[] name;
    private int length;
    private int type;
    private int qclass;
    private int bits;
    private int hash;
    /** Whether the query's name had capitals (folded here): its text is then not the key's. */
    private boolean folded;

    private CacheKey(byte[] name) {
        this.name = name;
    }

    /** A probe to refill with {@link #set}. */
    public static CacheKey probe() {
        return new CacheKey(new byte[MAX_NAME]);
    }

    /** The key of {@code query}, or null when its answer is never cached (see {@link #set}). */
    public static CacheKey of(ByteBuf query, ParsedQuery parsed) {
        CacheKey k = probe();
        return k.set(query, parsed) ? k.copy() : null;
    }

    /**
     * Refills this probe from {@code query}. False when the query has no question or a compressed one (nothing
     * to key it by); the caller then passes it by.
     */
    public boolean set(ByteBuf query, ParsedQuery parsed) {
        if (!parsed.hasQuestion()) {
            return false;
        }
        int base = query.readerIndex();
        int from = base + DnsHeader.SIZE;
        int to = base + parsed.nameEnd();
        int n = to - from;
        if (n < 1 || n > MAX_NAME) {
            return false;
        }
        // One bulk copy, then the bytes in the array: byte by byte, each read of a pooled buffer checks bounds and
        // its reference count, which made up most of a lookup (CacheHitBenchmark.lookupOnly).
        query.getBytes(from, name, 0, n);
        boolean capitals = false;
        int h = 1;
        int label = 0; // next length byte
        for (int i = 0; i < n; i++) {
            int b = name[i] & 0xFF;
            if (i == label) {
                if ((b & 0xC0) != 0) {
                    return false; // a pointer in the question: not worth keying
                }
                label += b + 1;
            } else if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
                name[i] = (byte) b;
                capitals = true;
            }
            h = 31 * h + b;
        }
        length = n;
        folded = capitals;
        type = parsed.qtype();
        qclass = parsed.qclass();
        bits = (parsed.dnssecOk() ? DO : 0) | (parsed.checkingDisabled() ? CD : 0) | (parsed.recursionDesired() ? RD : 0);
        hash = ((h * 31 + type) * 31 + qclass) * 31 + bits;
        return true;
    }

    /** An immutable copy to store. */
    CacheKey copy() {
        CacheKey k = new CacheKey(Arrays.copyOf(name, length));
        k.length = length;
        k.type = type;
        k.qclass = qclass;
        k.bits = bits;
        k.hash = hash;
        return k;
    }

    /** Whether the name this probe was last {@linkplain #set} from had capitals, so differs from the key's. */
    boolean folded() {
        return folded;
    }

    /** The key's name in presentation form, as {@link Names#toText} gives it for a query asking it in lower case. */
    String text() {
        return Names.toText(Unpooled.wrappedBuffer(name, 0, length), 0, 0, length);
    }

    int nameLength() {
        return length;
    }

    int type() {
        return type;
    }

    int qclass() {
        return qclass;
    }

    /** Whether the name at {@code offset} of {@code m}, {@link #nameLength} bytes, is this key's name in any case. */
    boolean sameName(ByteBuf m, int offset) {
        for (int i = 0; i < length; i++) {
            int b = m.getUnsignedByte(offset + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if ((byte) b != name[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey k && k.hash == hash && k.length == length && k.type == type && k.qclass == qclass
                && k.bits == bits && Arrays.equals(k.name, 0, length, name, 0, length);
    }

    @Override
    public String toString() {
        return "CacheKey[" + length + " bytes, type " + type + ", class " + qclass + ", do/cd/rd " + bits + "]";
    }
}
