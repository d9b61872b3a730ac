package dev.dnsflow.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Builds and reads DNS messages in tests with dnsjava, an independent implementation of the wire format. */
public final class Wire {
    private Wire() {
    }

    public static Message query(String name, int type) {
        try {
            return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Message query(String name, int type, int id) {
        Message m = query(name, type);
        m.getHeader().setID(id);
        return m;
    }

    /** A query with an OPT record advertising {@code udpSize}, DO bit as given. */
    public static Message ednsQuery(String name, int type, int id, int udpSize, boolean dnssecOk) {
        Message m = query(name, type, id);
        m.addRecord(new OPTRecord(udpSize, 0, 0, dnssecOk ? Flags.DO : 0), Section.ADDITIONAL);
        return m;
    }

    public static byte[] bytes(Message m) {
        return m.toWire();
    }

    public static ByteBuf buf(Message m) {
        return Unpooled.wrappedBuffer(m.toWire());
    }

    public static ByteBuf buf(int... bytes) {
        ByteBuf b = Unpooled.buffer(bytes.length);
        for (int x : bytes) {
            b.writeByte(x);
        }
        return b;
    }

    public static Message parse(byte[] bytes) {
        try {
            return new Message(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Message parse(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return parse(bytes);
    }

    /** A response to {@code query}: QR set, question echoed, one A record per address. */
    public static Message answer(Message query, String... addresses) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.addRecord(query.getQuestion(), Section.QUESTION);
        for (String a : addresses) {
            r.addRecord(fromStringUnchecked(query.getQuestion().getName(), a), Section.ANSWER);
        }
        return r;
    }

    private static Record fromStringUnchecked(Name name, String address) {
        try {
            return Record.fromString(name, Type.A, DClass.IN, 60, address, Name.root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
