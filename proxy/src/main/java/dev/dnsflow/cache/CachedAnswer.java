package dev.dnsflow.cache;

import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.ResponseReader;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One cached answer: the upstream's bytes as received (ID zeroed) less its OPT record, where each record's TTL
 * sits in them (found once, when stored), its part, when it was stored and how long it is good for. A hit copies
 * the bytes into a pooled buffer, patches the ID, RD and AD, the question's case and every TTL in place, and
 * appends an OPT of dnsflow's own when the client sent one ({@link #write}).
 *
 * <p>OPT is hop-by-hop (RFC 6891 7): the upstream's (its UDP size, the COOKIE it echoed to the first client,
 * padding, NSID) is never served to another client. As CoreDNS does, the entry is stored without it (ARCOUNT
 * less one, records after it kept), and a hit gets a fresh one only if the client's query had one: UDP size
 * {@link #UDP_SIZE}, the client's DO echoed, extended rcode 0, no options. An answer whose OPT carries an
 * extended rcode, or more than one OPT, is not cached.
 *
 * <p>What is cached, and for how long (CoreDNS's {@code cache}, RFC 2308): NOERROR with answers, and referrals,
 * in the success part for the smallest TTL of their records; NXDOMAIN, and NOERROR without answers (NODATA), in
 * the denial part for the smaller of the SOA's TTL and its MINIMUM, and not at all without a SOA in authority;
 * SERVFAIL in the denial part for {@link CacheOptions#SERVFAIL_TTL}. Each between its part's minimum (5 s) and
 * its cap; a negative answer is also kept no longer than any of its records' TTLs (a CNAME before the NXDOMAIN).
 * Never: truncated answers, other rcodes, answers whose question is not the key's, answers over
 * {@link #MAX_MESSAGE} bytes, anything unreadable.
 * A hit gives every record the entry's TTL left (CoreDNS does the same), so TTLs only ever go down.
 */
public final class CachedAnswer {
    /** The largest answer cached: bigger ones (large TXT sets) would let a few names fill a part's byte budget. */
    public static final int MAX_MESSAGE = 4096;
    /** The UDP payload size a hit's OPT advertises (DNS flag day 2020's value; dnsflow advertises no other). */
    public static final int UDP_SIZE = 1232;
    /** Heap an entry takes besides its message: key, entry, offsets' header, Caffeine's node (CacheMemoryTest). */
    static final int ENTRY_OVERHEAD = 320;
    private static final int OPT_SIZE = 11;
    /** The smallest record: a root owner and the fixed 10 bytes. */
    private static final int MIN_RECORD = 11;
    private static final int TYPE_OPT = 41;
    private static final int TYPE_SOA = 6;
    private static final int TYPE_NS = 2;
    private static final AtomicReferenceFieldUpdater<CachedAnswer, Object> PREFETCHER =
            AtomicReferenceFieldUpdater.newUpdater(CachedAnswer.class, Object.class, "prefetcher");

    /** The two parts of the cache, each with its own capacity and TTL cap. */
    public enum Kind {
        SUCCESS, DENIAL;

        public String label() {
            return this == SUCCESS ? "success" : "denial";
        }
    }

    /** The key the entry is stored under (a stored copy, never a probe). */
    private final CacheKey key;
    private final byte[] message;
    private final int[] ttlOffsets;
    /** The answer section's A/AAAA addresses as a flow keeps them ({@link ResponseReader#addresses}), read once. */
    private final byte[] addresses;
    private final int nameEnd;
    private final Kind kind;
    private final long storedNanos;
    private final int ttl;
    private final long expiresNanos;
    /** The key's name as text, made on the first recorded hit that can use it ({@link #nameText}). */
    private String nameText;
    /** Set once the cache no longer holds the entry (evicted, expired, replaced): a {@link FrontIndex} then drops it. */
    private volatile boolean retired;
    /** The exchange upstream refreshing this entry (prefetch), or null. */
    private volatile Object prefetcher;
    /** Popularity for prefetch; updated by every loop without a lock: approximate on purpose. */
    private int hits;
    private long lastHitNanos;

    private CachedAnswer(CacheKey key, byte[] message, int[] ttlOffsets, int nameEnd, Kind kind, long storedNanos,
                         int ttl) {
        this.key = key;
        this.message = message;
        this.ttlOffsets = ttlOffsets;
        this.addresses = ResponseReader.addresses(Unpooled.wrappedBuffer(message), nameEnd + 4);
        this.nameEnd = nameEnd;
        this.kind = kind;
        this.storedNanos = storedNanos;
        this.ttl = ttl;
        this.expiresNanos = storedNanos + ttl * 1_000_000_000L;
    }

    /**
     * The entry {@code response} (from its reader index to its writer index, left untouched) makes for {@code key}
     * (the stored copy, which the entry keeps) at {@code now}, or null when it is not to be cached.
     */
    static CachedAnswer of(CacheKey key, ByteBuf response, long now, CacheOptions options) {
        int size = response.readableBytes();
        if (size < DnsHeader.SIZE || size > MAX_MESSAGE) {
            return null;
        }
        byte[] bytes = new byte[size];
        response.getBytes(response.readerIndex(), bytes);
        ByteBuf m = Unpooled.wrappedBuffer(bytes);
        int flags = DnsHeader.flags(m);
        if ((flags & DnsHeader.FLAG_QR) == 0 || (flags & DnsHeader.FLAG_TC) != 0
                || DnsHeader.opcode(flags) != DnsHeader.OPCODE_QUERY || DnsHeader.qdCount(m) != 1) {
            return null;
        }
        int rcode = flags & 0xF;
        if (rcode != Responses.NOERROR && rcode != Responses.NXDOMAIN && rcode != Responses.SERVFAIL) {
            return null;
        }
        int nameEnd = DnsHeader.SIZE + key.nameLength();
        if (nameEnd + 4 > size || Names.skip(m, 0, DnsHeader.SIZE, size) != nameEnd || !key.sameName(m, DnsHeader.SIZE)
                || m.getUnsignedShort(nameEnd) != key.type() || m.getUnsignedShort(nameEnd + 2) != key.qclass()) {
            return null;
        }
        int answers = DnsHeader.anCount(m);
        int authority = DnsHeader.nsCount(m);
        int records = answers + authority + DnsHeader.arCount(m);
        int pos = nameEnd + 4;
        if ((long) records * MIN_RECORD > size - pos) {
            return null; // counts the bytes cannot hold: check before allocating by them
        }
        int[] offsets = new int[records];
        int count = 0;
        long minTtl = Long.MAX_VALUE;
        long soaTtl = -1;
        boolean ns = false;
        int optStart = -1;
        int optEnd = -1;
        for (int i = 0; i < records; i++) {
            int start = pos;
            int end = Names.skip(m, 0, pos, size);
            if (end == Names.INVALID || end + 10 > size) {
                return null;
            }
            int type = m.getUnsignedShort(end);
            long recordTtl = m.getUnsignedInt(end + 4);
            int next = end + 10 + m.getUnsignedShort(end + 8);
            if (next > size) {
                return null;
            }
            if (type == TYPE_OPT) {
                // One OPT, in additional, extended rcode 0 (RFC 6891 6.1.1, 6.1.3): anything else is not cached.
                if (optStart >= 0 || i < answers + authority || end != start + 1 || m.getUnsignedByte(end + 4) != 0) {
                    return null;
                }
                optStart = start;
                optEnd = next;
            } else {
                offsets[count++] = end + 4;
                minTtl = Math.min(minTtl, recordTtl);
                boolean inAuthority = i >= answers && i < answers + authority;
                if (inAuthority && type == TYPE_SOA && next - end - 10 >= 22) {
                    long minimum = m.getUnsignedInt(next - 4);
                    soaTtl = Math.min(recordTtl, minimum); // RFC 2308 5
                }
                ns |= inAuthority && type == TYPE_NS;
            }
            pos = next;
        }
        if (optStart >= 0 && optEnd < size && Compression.pointsPast(m, nameEnd + 4, records, optStart, size)) {
            return null; // a name after the OPT compressed against bytes that move when it goes: not worth rewriting
        }
        Kind kind;
        long ttl;
        if (rcode == Responses.SERVFAIL) {
            kind = Kind.DENIAL;
            ttl = CacheOptions.SERVFAIL_TTL;
        } else if (rcode == Responses.NXDOMAIN || answers == 0 && soaTtl >= 0) {
            if (soaTtl < 0) {
                return null; // RFC 2308 5: without a SOA a negative answer is not cached
            }
            kind = Kind.DENIAL;
            ttl = Math.min(soaTtl, minTtl); // and no longer than any record in it (a CNAME before the NXDOMAIN)
        } else if (answers > 0 || ns) {
            kind = Kind.SUCCESS; // an answer, or a referral
            ttl = minTtl;
        } else {
            return null; // NOERROR with nothing to go by
        }
        CacheOptions.Part part = kind == Kind.SUCCESS ? options.success() : options.denial();
        byte[] stored = bytes;
        if (optStart >= 0) {
            int cut = optEnd - optStart;
            stored = new byte[size - cut];
            System.arraycopy(bytes, 0, stored, 0, optStart);
            System.arraycopy(bytes, optEnd, stored, optStart, size - optEnd);
            int arCount = DnsHeader.arCount(m) - 1;
            stored[10] = (byte) (arCount >> 8);
            stored[11] = (byte) arCount;
            for (int i = 0; i < count; i++) {
                if (offsets[i] > optStart) {
                    offsets[i] -= cut;
                }
            }
        }
        stored[0] = 0;
        stored[1] = 0;
        return new CachedAnswer(key, stored, count == records ? offsets : Arrays.copyOf(offsets, count), nameEnd, kind, now,
                part.clamp(ttl));
    }

    CacheKey key() {
        return key;
    }

    /**
     * The question's name as a flow shows it for a query asking it in lower case (most do), made once: such a
     * hit's flow takes it instead of decoding the query's name again. Racy on purpose: two loops may both make it.
     */
    String nameText() {
        String text = nameText;
        if (text == null) {
            text = key.text();
            nameText = text;
        }
        return text;
    }

    /** The cache let the entry go: it may still answer a query already holding it, but no new one finds it. */
    void retire() {
        retired = true;
    }

    boolean retired() {
        return retired;
    }

    public Kind kind() {
        return kind;
    }

    /** The TTL the entry was stored with, in seconds (capped). */
    public int ttl() {
        return ttl;
    }

    public boolean fresh(long now) {
        return now - expiresNanos < 0;
    }

    /** Seconds left: the stored TTL less the whole seconds spent in cache; at least 1 while fresh, 0 after. */
    public int ttlLeft(long now) {
        long age = (now - storedNanos) / 1_000_000_000L;
        return (int) Math.max(0, ttl - age);
    }

    /** Expired, but within {@code staleNanos} of expiry. */
    boolean servableStale(long now, long staleNanos) {
        return !fresh(now) && now - expiresNanos < staleNanos;
    }

    long expiresNanos() {
        return expiresNanos;
    }

    /** The stored bytes, ID zeroed (tests compare them). */
    byte[] bytes() {
        return message.clone();
    }

    /** What the entry weighs in its part's byte budget: its bytes and the heap around them. */
    int weight() {
        return message.length + ttlOffsets.length * 4 + addresses.length + ENTRY_OVERHEAD;
    }

    /**
     * The answer for {@code client}'s query {@code query}: a pooled copy with the client's ID, the question's name
     * in the case the query has it (same length: the key matched), every record's TTL set to {@code ttl}, RD as
     * the client sent it, AD only if the client sent DO or AD (RFC 6840 5.8), and an OPT of dnsflow's own if the
     * client sent one (see the class doc).
     */
    public ByteBuf write(ByteBufAllocator alloc, ByteBuf query, ParsedQuery client, int ttl) {
        boolean edns = client.edns();
        ByteBuf out = alloc.ioBuffer(message.length + (edns ? OPT_SIZE : 0));
        out.writeBytes(message);
        out.setShort(0, client.id());
        int flags = DnsHeader.flags(out) & ~(DnsHeader.FLAG_RD | DnsHeader.FLAG_AD);
        if (client.recursionDesired()) {
            flags |= DnsHeader.FLAG_RD;
        }
        if ((message[3] & DnsHeader.FLAG_AD) != 0 && (client.dnssecOk() || (client.flags() & DnsHeader.FLAG_AD) != 0)) {
            flags |= DnsHeader.FLAG_AD;
        }
        DnsHeader.setFlags(out, flags);
        out.setBytes(DnsHeader.SIZE, query, query.readerIndex() + DnsHeader.SIZE, nameEnd - DnsHeader.SIZE);
        for (int offset : ttlOffsets) {
            out.setInt(offset, ttl);
        }
        if (edns) {
            out.writeByte(0); // root
            out.writeShort(TYPE_OPT);
            out.writeShort(UDP_SIZE);
            out.writeByte(0); // extended rcode
            out.writeByte(0); // version
            out.writeShort(client.dnssecOk() ? 0x8000 : 0);
            out.writeShort(0); // no options
            out.setShort(10, DnsHeader.arCount(out) + 1);
        }
        return out;
    }

    /**
     * The A/AAAA addresses of the answer section, as {@link dev.dnsflow.flow.FlowResponse#rawAddresses} holds them:
     * the same for every hit (TTLs, ID and case are not among them), so a hit's flow summary reuses them unparsed.
     * Shared: never to be changed.
     */
    public byte[] addresses() {
        return addresses;
    }

    /** Counts a hit for popularity: a gap of {@code windowNanos} or more starts the count again (CoreDNS's freq). */
    void touch(long now, long windowNanos) {
        if (hits == 0 || now - lastHitNanos >= windowNanos) {
            hits = 1;
        } else if (hits < Integer.MAX_VALUE) {
            hits++;
        }
        lastHitNanos = now;
    }

    int hits() {
        return hits;
    }

    /** Carries the popularity of the entry this one replaces (a refresh keeps an entry popular). */
    void inherit(CachedAnswer previous) {
        hits = previous.hits;
        lastHitNanos = previous.lastHitNanos;
    }

    /** Due for prefetch: popular, and its TTL left at most {@code percent} % of its TTL (rounded up, so at least 1 s). */
    boolean due(long now, CacheOptions.Prefetch p) {
        int threshold = (int) Math.ceil(p.percent() / 100.0 * ttl);
        return hits >= p.amount() && ttlLeft(now) <= threshold;
    }

    /** Claims the one refresh of this entry for {@code exchange}; false when a query is already upstream for it. */
    boolean claimPrefetch(Object exchange) {
        return PREFETCHER.compareAndSet(this, null, exchange);
    }

    /** Whether a refresh of this entry is under way. */
    boolean refreshing() {
        return prefetcher != null;
    }

    /** Releases the refresh {@code exchange} holds, if it holds it (it ended, answered or not). */
    void endPrefetch(Object exchange) {
        PREFETCHER.compareAndSet(this, exchange, null);
    }
}
