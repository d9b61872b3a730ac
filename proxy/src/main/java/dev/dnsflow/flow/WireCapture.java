package dev.dnsflow.flow;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes behind one flow, kept only while a sink needs them (dnstap): the query as received, the
 * query as forwarded (context options stripped; each attempt's ID is in its {@link Attempt}), each
 * attempt's answer, and the response the client got. Filled on the event loop, then handed to the
 * recorder with the flow and never touched again there; the ring never holds it.
 */
public final class WireCapture {
    private byte[] query;
    private byte[] forwarded;
    private final List<byte[]> answers = new ArrayList<>(2);
    private byte[] response;

    public static byte[] copy(ByteBuf m) {
        byte[] out = new byte[m.readableBytes()];
        m.getBytes(m.readerIndex(), out);
        return out;
    }

    public void query(ByteBuf m) {
        query = copy(m);
    }

    /** Only the first call counts: every attempt forwards the same bytes apart from the ID. */
    public void forwarded(ByteBuf m) {
        if (forwarded == null) {
            forwarded = copy(m);
        }
    }

    /** The answer to attempt {@code index} (attempts without one stay null). */
    public void answer(int index, ByteBuf m) {
        while (answers.size() <= index) {
            answers.add(null);
        }
        answers.set(index, copy(m));
    }

    public void response(ByteBuf m) {
        response = copy(m);
    }

    public byte[] query() {
        return query;
    }

    public byte[] forwarded() {
        return forwarded;
    }

    /** The answer to attempt {@code index}, or null. */
    public byte[] answer(int index) {
        return index < answers.size() ? answers.get(index) : null;
    }

    public byte[] response() {
        return response;
    }
}
