package dev.dnsflow.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.record.FlowRing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/v1/flows} (newest first, filtered, {@code limit} default 100) and
 * {@code GET /api/v1/flows/{id}}. When the ring has already overwritten flows the caller asked for
 * ({@code since} older than the oldest kept), the answer carries a {@code Dnsflow-Ring-Gap} header
 * saying so: no silent gaps.
 */
final class FlowsApi {
    static final String PREFIX = "/api/v1/flows";
    static final String GAP_HEADER = "Dnsflow-Ring-Gap";
    static final String OLDEST_HEADER = "Dnsflow-Ring-Oldest";
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 10_000_000;

    /** JSON encoded per turn (about 250 flows). */
    private static final int CHUNK_BYTES = 64 << 10;

    private final FlowRing ring;
    private final Clock clock;
    private final RingReads reads;

    FlowsApi(FlowRing ring, Clock clock, RingReads reads) {
        this.ring = ring;
        this.clock = clock;
        this.reads = reads;
    }

    void list(HttpExchange exchange) throws IOException {
        Map<String, String> params = Params.of(exchange.getRequestURI());
        FlowFilter filter = FlowFilter.parse(params, Set.of("limit"), clock.instant());
        int asked = Params.positive(params, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        if (ringOff(exchange)) {
            return;
        }
        try (RingReads.Reader reader = reads.admit(exchange)) {
            if (reader != null) {
                stream(exchange, reader, ring.newestFirst(Math.min(asked, ring.capacity())), filter);
            }
        }
    }

    /**
     * Writes the flows as one JSON array, encoded a chunk at a time in the reader's turns and written
     * to the client between them: memory per reader is one chunk, whatever the limit.
     */
    private void stream(HttpExchange exchange, RingReads.Reader reader, FlowRing.Cursor cursor, FlowFilter filter)
            throws IOException {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(CHUNK_BYTES + 4096);
        JsonGenerator json = FlowJson.FACTORY.createGenerator(chunk);
        boolean started = false;
        do {
            boolean first = !started;
            boolean served = reader.turn(() -> {
                if (first) {
                    json.writeStartArray();
                }
                ring.read(cursor, filter, flow -> write(flow, json), () -> chunk.size() >= CHUNK_BYTES);
                if (cursor.done()) {
                    json.writeEndArray();
                    json.writeRaw('\n');
                }
                json.flush();
            });
            if (!served) {
                if (first) {
                    RingReads.busy(exchange);
                    return;
                }
                continue; // already answering: wait for the next turn
            }
            if (first) {
                String gap = gap(exchange, filter);
                if (gap != null) {
                    exchange.getResponseHeaders().set(GAP_HEADER, gap);
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders(200, 0);
                started = true;
            }
            chunk.writeTo(exchange.getResponseBody());
            chunk.reset();
        } while (!cursor.done());
        exchange.getResponseBody().close();
    }

    private static void write(Flow flow, JsonGenerator json) {
        try {
            FlowJson.write(flow, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into a byte array: cannot happen
        }
    }

    void one(HttpExchange exchange, String id) throws IOException {
        if (ringOff(exchange)) {
            return;
        }
        // A scan of the whole ring, like a list: it takes its turn, so many at once cannot starve DNS of CPU.
        List<Flow> found = new ArrayList<>(1);
        if (!reads.once(exchange, () -> ring.newest(1, f -> f.id().equals(id), found::add))) {
            return;
        }
        if (found.isEmpty()) {
            String why = ring.firstHeld() > 0 ? " (not in the ring: it holds the newest " + ring.size()
                    + " flows, older ones were overwritten)" : "";
            AdminServer.respond(exchange, 404, "text/plain", "no flow " + id + why + "\n");
            return;
        }
        AdminServer.respond(exchange, 200, "application/json", FlowJson.toJson(found.get(0)) + "\n");
    }

    /** With {@code --flow-buffer 0} no flow is kept: says so (404) instead of answering with an empty list. */
    static boolean ringOff(HttpExchange exchange, FlowRing ring) throws IOException {
        if (ring.capacity() > 0) {
            return false;
        }
        AdminServer.respond(exchange, 404, "text/plain",
                "no flows are kept in memory (--flow-buffer 0); follow live flows at /api/v1/flows/stream instead\n");
        return true;
    }

    private boolean ringOff(HttpExchange exchange) throws IOException {
        return ringOff(exchange, ring);
    }

    /**
     * Why the answer may be incomplete: the ring wrapped and the caller asked for flows ({@code since})
     * older than the oldest it still holds. A wrapped ring also announces its oldest flow in
     * {@code Dnsflow-Ring-Oldest}, so a caller can tell for itself.
     */
    private String gap(HttpExchange exchange, FlowFilter filter) {
        long overwritten = ring.firstHeld();
        List<Flow> oldest = overwritten > 0 ? ring.oldest(1) : List.of();
        if (oldest.isEmpty()) {
            return null;
        }
        long oldestTime = oldest.get(0).timeEpochNanos();
        exchange.getResponseHeaders().set(OLDEST_HEADER, FlowJson.time(oldestTime));
        if (filter.sinceNanos() == null || filter.sinceNanos() >= oldestTime) {
            return null;
        }
        return overwritten + " older flows were overwritten; the oldest kept is from " + FlowJson.time(oldestTime)
                + " (raise --flow-buffer to keep more)";
    }
}
