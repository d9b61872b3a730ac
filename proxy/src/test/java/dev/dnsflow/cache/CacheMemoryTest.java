package dev.dnsflow.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * node-cache's figure: about 30 MB for a full 10 000-entry cache. The heap a cache of 10 000 answers holds
 * (a CNAME and two A records, or two AAAA, with OPT: 120–200 bytes each, as cluster and internet answers are),
 * measured as used heap after GC with and without it, must stay within 30 MiB.
 */
class CacheMemoryTest {
    private static final int ENTRIES = 10_000;

    @Test
    void tenThousandEntriesFitInThirtyMebibytes() throws Exception {
        ResponseCache cache = new ResponseCache(CacheOptions.defaults().withParts(new CacheOptions.Part(ENTRIES, 30),
                new CacheOptions.Part(ENTRIES, 5)), null, System::nanoTime);
        Message[] answers = new Message[ENTRIES];
        byte[][] queries = new byte[ENTRIES][];
        for (int i = 0; i < ENTRIES; i++) {
            String name = "svc-" + i + ".namespace-" + (i % 50) + ".svc.cluster.local.";
            int type = i % 2 == 0 ? Type.A : Type.AAAA;
            Message q = Wire.query(name, type, i);
            q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
            queries[i] = q.toWire();
            answers[i] = answer(q, i);
        }
        byte[][] wire = new byte[ENTRIES][];
        for (int i = 0; i < ENTRIES; i++) {
            wire[i] = answers[i].toWire();
        }
        answers = null;
        long before = usedAfterGc();
        for (int i = 0; i < ENTRIES; i++) {
            ByteBuf q = Unpooled.wrappedBuffer(queries[i]);
            ParsedQuery parsed = new ParsedQuery();
            QueryParser.parse(q, parsed);
            assertThat(cache.store(CacheKey.of(q, parsed), Unpooled.wrappedBuffer(wire[i]))).isNotNull();
        }
        cache.cleanUp();
        long after = usedAfterGc();
        long total = cache.size(CachedAnswer.Kind.SUCCESS);
        long bytes = after - before;
        System.out.printf("cache of %d entries: %.1f MiB of heap (%d bytes per entry)%n", total, bytes / 1048576.0,
                bytes / Math.max(1, total));
        assertThat(total).isEqualTo(ENTRIES);
        assertThat(bytes).isLessThanOrEqualTo(30L << 20);
        assertThat(cache.get(CacheKey.of(Unpooled.wrappedBuffer(queries[0]), parse(queries[0])))).isNotNull(); // keeps it reachable
    }

    private static ParsedQuery parse(byte[] q) {
        ParsedQuery parsed = new ParsedQuery();
        QueryParser.parse(Unpooled.wrappedBuffer(q), parsed);
        return parsed;
    }

    private static Message answer(Message q, int i) throws Exception {
        Message r = Wire.answer(q);
        Name name = q.getQuestion().getName();
        if (q.getQuestion().getType() == Type.A) {
            Name target = Name.fromString("pod-" + i + ".backend.svc.cluster.local.");
            r.addRecord(new CNAMERecord(name, DClass.IN, 30, target), Section.ANSWER);
            r.addRecord(new ARecord(target, DClass.IN, 30, InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i})), Section.ANSWER);
            r.addRecord(new ARecord(target, DClass.IN, 30, InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i})), Section.ANSWER);
        } else {
            r.addRecord(new AAAARecord(name, DClass.IN, 30, InetAddress.getByName("fd00::" + Integer.toHexString(i))), Section.ANSWER);
            r.addRecord(new AAAARecord(name, DClass.IN, 30, InetAddress.getByName("fd00::1:" + Integer.toHexString(i))), Section.ANSWER);
        }
        r.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return r;
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
