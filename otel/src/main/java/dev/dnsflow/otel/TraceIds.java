package dev.dnsflow.otel;

import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.handoff.HandOffMark;
import dev.dnsflow.handoff.Via;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * Trace and span IDs computed from what a flow knows, never drawn at random: two dnsflow processes that see
 * one query (the node's dnsflow and the one behind CoreDNS) compute the same trace ID without talking to each
 * other or changing CoreDNS, and exporting a flow twice sends the same spans.
 *
 * <p>The trace ID is the first 16 bytes of SHA-256 over a key, chosen in this order:
 * <ol>
 * <li>the flow came through a node's dnsflow ({@code via.nodelocal}): that node and its flow ID;</li>
 * <li>the flow is the node's own ({@code hand_off} mark): its node as the hand-off sent it (cut to 63 ASCII bytes,
 * empty when left out: {@link HandOffMark#sentNode()}) and its own flow ID — the same key;</li>
 * <li>otherwise the pod's query: the asker's address and port (the origin when known, else the client), its
 * message ID, the question name (lower case) and type, and the second it arrived (CoreDNS's receipt when the
 * sidecar joined it, else dnsflow's).</li>
 * </ol>
 * Span IDs are the first 8 bytes of SHA-256 over (flow ID, role, index), so the node's SERVER span ID is known
 * to the hop behind CoreDNS from {@code via.nodelocal.flow} alone.
 */
final class TraceIds {
    /** The width of the arrival-time bucket of the third rule. */
    static final long BUCKET_NANOS = 1_000_000_000L;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    });

    private TraceIds() {
    }

    /** The 128-bit trace ID as two longs: {@code [high, low]}. */
    static long[] traceId(Flow flow) {
        byte[] digest = digest(traceKey(flow));
        return new long[] {readLong(digest, 0), readLong(digest, 8)};
    }

    /** The key hashed into the trace ID (rules above); fields are separated by NUL, which no field holds. */
    static String traceKey(Flow flow) {
        Via via = flow.get(Via.KEY);
        if (via != null && via.flow() != null) {
            return handedOff(via.node(), via.flow());
        }
        HandOffMark mark = flow.get(HandOffMark.KEY);
        if (mark != null) {
            return handedOff(mark.sentNode(), flow.id()); // what the hop behind CoreDNS read, not the full name
        }
        Origin o = flow.origin();
        boolean fromOrigin = o != null && o.ip() != null && o.port() > 0;
        String ip = fromOrigin ? o.ip() : flow.client().ip();
        int port = fromOrigin ? o.port() : flow.client().port();
        int id = o != null && o.id() != null ? o.id() : flow.query().id();
        CorednsSide coredns = flow.get(CorednsSide.KEY);
        long arrived = coredns != null ? coredns.receivedEpochNanos() : flow.timeEpochNanos();
        String name = flow.query().name() == null ? "" : flow.query().name().toLowerCase(Locale.ROOT);
        return "pod\0" + ip + '\0' + port + '\0' + id + '\0' + name + '\0' + flow.query().type() + '\0'
                + Math.floorDiv(arrived, BUCKET_NANOS);
    }

    /** The node's flow: what both hops know of it. */
    static String handedOff(String node, String nodeFlowId) {
        return "nodelocal\0" + (node == null ? "" : node) + '\0' + nodeFlowId;
    }

    /** A span ID for {@code role} ({@code server}, {@code coredns}, {@code attempt}) number {@code index} of a flow. */
    static long spanId(String flowId, String role, int index) {
        long id = readLong(digest(flowId + '\0' + role + '\0' + index), 0);
        return id == 0 ? 1 : id; // all zeros is the invalid span ID
    }

    private static byte[] digest(String key) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        return sha.digest(key.getBytes(StandardCharsets.UTF_8));
    }

    private static long readLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
