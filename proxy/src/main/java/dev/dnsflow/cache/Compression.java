package dev.dnsflow.cache;

import dev.dnsflow.wire.Names;
import io.netty.buffer.ByteBuf;

/**
 * Where an answer's compressed names point: an answer whose names reach past its OPT is not cached, as cutting the OPT
 * would move what they point at ({@link CachedAnswer}).
 */
final class Compression {
    private static final int TYPE_NS = 2;
    private static final int TYPE_CNAME = 5;
    private static final int TYPE_SOA = 6;
    private static final int TYPE_PTR = 12;
    private static final int TYPE_MX = 15;
    private static final int TYPE_SRV = 33;
    private static final int TYPE_DNAME = 39;

    private Compression() {
    }

    /**
     * Whether any name in the {@code records} from {@code pos} (owners, and the names in the rdata of the types
     * RFC 3597 lets be compressed, with SRV) reaches through a compression pointer at or past {@code bound}.
     */
    static boolean pointsPast(ByteBuf m, int pos, int records, int bound, int size) {
        for (int i = 0; i < records; i++) {
            if (pointsPast(m, pos, bound, size)) {
                return true;
            }
            int end = Names.skip(m, 0, pos, size);
            int type = m.getUnsignedShort(end);
            int rdata = end + 10;
            int next = rdata + m.getUnsignedShort(end + 8);
            int name = switch (type) {
                case TYPE_NS, TYPE_CNAME, TYPE_PTR, TYPE_DNAME, TYPE_SOA -> rdata;
                case TYPE_MX -> rdata + 2;
                case TYPE_SRV -> rdata + 6;
                default -> -1;
            };
            if (name >= 0 && name < next && pointsPast(m, name, bound, size)) {
                return true;
            }
            if (type == TYPE_SOA && name < next) {
                int second = Names.skip(m, 0, name, next);
                if (second == Names.INVALID || second < next && pointsPast(m, second, bound, size)) {
                    return true;
                }
            }
            pos = next;
        }
        return false;
    }

    /** Whether the name at {@code pos} follows a pointer to {@code bound} or beyond (unreadable names: true). */
    private static boolean pointsPast(ByteBuf m, int pos, int bound, int size) {
        for (int hops = 0; hops < 64 && pos < size; ) {
            int len = m.getUnsignedByte(pos);
            if (len == 0) {
                return false;
            }
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= size) {
                    return true;
                }
                pos = ((len & 0x3F) << 8) | m.getUnsignedByte(pos + 1);
                if (pos >= bound) {
                    return true;
                }
                hops++;
            } else {
                pos += len + 1;
            }
        }
        return true;
    }
}
