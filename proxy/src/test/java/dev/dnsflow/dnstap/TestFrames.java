package dev.dnsflow.dnstap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Test data and a minimal Frame Streams stream parser for the dnstap tests.
 *
 * <p>Why each test frame carries its number in the DNS ID and the name {@code qN.example.com.}:
 * the real readers print both, so a test counts exactly which frames arrived.
 */
final class TestFrames {
    static final DnstapEncoder ENCODER = DnstapEncoder.of("dnsflow-test", "dnsflow 0.1.0");
    static final byte[] CLIENT = {10, 1, 2, 3};
    static final byte[] UPSTREAM = {10, 0, 0, 10};
    private static final Pattern ID = Pattern.compile("id: (\\d+)");

    private TestFrames() {
    }

    /** A query for {@code qN.example.com. A} with DNS ID {@code n}. */
    static org.xbill.DNS.Message query(int n) throws IOException {
        org.xbill.DNS.Message query = org.xbill.DNS.Message.newQuery(
                Record.newRecord(Name.fromString("q" + n + ".example.com."), Type.A, DClass.IN));
        query.getHeader().setID(n);
        return query;
    }

    /** The NOERROR answer to {@link #query(int)}: {@code 192.0.2.1}. */
    static org.xbill.DNS.Message response(int n) throws IOException {
        org.xbill.DNS.Message response = query(n);
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(Rcode.NOERROR);
        response.addRecord(Record.fromString(Name.fromString("q" + n + ".example.com."), Type.A, DClass.IN,
                300, "192.0.2.1", Name.root), Section.ANSWER);
        return response;
    }

    /** Frame number {@code n}: a FORWARDER_QUERY over UDP from 10.1.2.3:40000 to 10.0.0.10:53. */
    static byte[] forwarderQuery(int n) throws IOException {
        return ENCODER.message(Message.Type.FORWARDER_QUERY)
                .protocol(SocketProtocol.UDP)
                .queryAddress(CLIENT, 40000)
                .responseAddress(UPSTREAM, 53)
                .queryTime(1_700_000_000_123_456_789L + n)
                .queryMessage(query(n).toWire())
                .extra(("flow-" + n).getBytes(StandardCharsets.UTF_8))
                .encode();
    }

    /** The DNS IDs visible in reader output lines ({@code ... id: 17 ...}), one per line. */
    static List<Integer> ids(List<String> lines) {
        List<Integer> ids = new ArrayList<>();
        for (String line : lines) {
            Matcher m = ID.matcher(line);
            if (m.find()) {
                ids.add(Integer.parseInt(m.group(1)));
            }
        }
        return ids;
    }

    /**
     * Reads a unidirectional Frame Streams stream (a file): START with the dnstap content type,
     * data frames, STOP, end. Returns the data frames' payloads.
     */
    static List<byte[]> readStream(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        assertThat(readControl(in)).isEqualTo(ControlFrame.dnstap(ControlFrame.START));
        List<byte[]> frames = new ArrayList<>();
        for (int length = in.readInt(); length != 0; length = in.readInt()) {
            byte[] payload = new byte[length];
            in.readFully(payload);
            frames.add(payload);
        }
        assertThat(readControlBody(in)).isEqualTo(ControlFrame.bare(ControlFrame.STOP));
        assertThat(in.read()).as("nothing after STOP").isEqualTo(-1);
        return frames;
    }

    /** Reads an escape-prefixed control frame. */
    static ControlFrame readControl(DataInputStream in) throws IOException {
        assertThat(in.readInt()).as("control frame escape").isZero();
        return readControlBody(in);
    }

    /** Reads a control frame whose escape was already consumed. */
    static ControlFrame readControlBody(DataInputStream in) throws IOException {
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return ControlFrame.decode(java.nio.ByteBuffer.wrap(payload));
    }
}
