package dev.dnsflow.cache;

import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One cached answer: the upstream's bytes as received (ID zeroed), where each record's TTL sits in them (found
 * once, when stored), its part, when it was stored and how long it is good for. A hit copies the bytes into a
 * pooled buffer and patches the ID, the question's case and every TTL in place ({@link #write}).
 *
 * <p>What is cached, and for how long (CoreDNS's {@code cache}, RFC 2308): NOERROR with answers, and referrals,
 * in the success part for the smallest TTL of their records; NXDOMAIN, and NOERROR without answers (NODATA), in
 * the denial part for the smaller of the SOA's TTL and its MINIMUM, and not at all without a SOA in authority;
 * SERVFAIL in the denial part for {@link CacheOptions#SERVFAIL_TTL}. Each between its part's minimum (5 s) and
 * its cap. Never: truncated answers, other rcodes, answers whose question is not the key's, anything unreadable.
 * A hit gives every record the entry's TTL left (CoreDNS does the same), so TTLs only ever go down.
 */
public final class CachedAnswer {
    private static final int TYPE_OPT = 41;
    private static final int TYPE_SOA = 6;
    private static final int TYPE_NS = 2;
    private static final AtomicIntegerFieldUpdater<CachedAnswer> PREFETCHING =
            AtomicIntegerFieldUpdater.newUpdater(CachedAnswer.class, "prefetching");

    /** The two parts of the cache, each with its own capacity and TTL cap. */
    public enum Kind {
        SUCCESS, DENIAL;

        public String label() {
            return this == SUCCESS ? "success" : "denial";
        }
    }

    private final byte[] message;
    private final int[] ttlOffsets;
    private final int nameEnd;
    private final Kind kind;
    private final long storedNanos;
    private final int ttl;
    private final long expiresNanos;
    /** 1 while a query is upstream refreshing this entry (prefetch). */
    private volatile int prefetching;
    /** Popularity for prefetch; updated by every loop without a lock: approximate on purpose. */
    private int hits;
    private long lastHitNanos;

    private CachedAnswer(byte[] message, int[] ttlOffsets, int nameEnd, Kind kind, long storedNanos, int ttl) {
        this.message = message;
        this.ttlOffsets = ttlOffsets;
        this.nameEnd = nameEnd;
        this.kind = kind;
        this.storedNanos = storedNanos;
        this.ttl = ttl;
        this.expiresNanos = storedNanos + ttl * 1_000_000_000L;
    }

    /**
     * The entry {@code response} (from its reader index to its writer index, left untouched) makes for {@code key}
     * at {@code now}, or null when it is not to be cached.
     */
    static CachedAnswer of(CacheKey key, ByteBuf response, long now, CacheOptions options) {
        int size = response.readableBytes();
        if (size < DnsHeader.SIZE) {
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
        int[] offsets = new int[records];
        int count = 0;
        long minTtl = Long.MAX_VALUE;
        long soaTtl = -1;
        boolean ns = false;
        int pos = nameEnd + 4;
        for (int i = 0; i < records; i++) {
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
            if (type != TYPE_OPT) {
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
            ttl = soaTtl;
        } else if (answers > 0 || ns) {
            kind = Kind.SUCCESS; // an answer, or a referral
            ttl = minTtl;
        } else {
            return null; // NOERROR with nothing to go by
        }
        CacheOptions.Part part = kind == Kind.SUCCESS ? options.success() : options.denial();
        DnsHeader.setId(m, 0);
        return new CachedAnswer(bytes, count == records ? offsets : Arrays.copyOf(offsets, count), nameEnd, kind, now,
                part.clamp(ttl));
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

    /**
     * The answer for a client: a pooled copy with {@code id}, the question's name in the case {@code query} has it
     * (same length: the key matched), and every record's TTL set to {@code ttl}.
     */
    public ByteBuf write(ByteBufAllocator alloc, ByteBuf query, int id, int ttl) {
        ByteBuf out = alloc.ioBuffer(message.length);
        out.writeBytes(message);
        out.setShort(0, id);
        out.setBytes(DnsHeader.SIZE, query, query.readerIndex() + DnsHeader.SIZE, nameEnd - DnsHeader.SIZE);
        for (int offset : ttlOffsets) {
            out.setInt(offset, ttl);
        }
        return out;
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

    /** Claims the one refresh of this entry; false when a query is already upstream for it. */
    boolean claimPrefetch() {
        return PREFETCHING.compareAndSet(this, 0, 1);
    }

    void endPrefetch() {
        prefetching = 0;
    }
}
