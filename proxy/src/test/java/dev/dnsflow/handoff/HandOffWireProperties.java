package dev.dnsflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.context.ContextCodes;
import dev.dnsflow.context.EdnsContext;
import dev.dnsflow.util.Addresses;
import dev.dnsflow.wire.OptView;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Whatever the pod's query and whatever the hand-off says: what the receiving side reads is what the
 * sending side wrote, and once stripped the query is byte for byte the one the pod sent.
 */
class HandOffWireProperties {
    private static final HandOffCodes CODES = HandOffCodes.DEFAULT;

    /** A pod's query (with or without OPT and options of its own) and a hand-off. */
    record Case(byte[] query, byte[] ip, int port, int id, String flow, String node) {
    }

    @Property(tries = 400)
    void anyHandOffSurvivesAppendAndReadAndStrippingGivesBackThePodsQuery(@ForAll("cases") Case c) throws Exception {
        ByteBuf m = Unpooled.buffer(c.query().length).writeBytes(c.query());
        OptView sent = HandOffWire.append(m.ensureWritable(HandOffWire.growth(parse(m.copy()),
                        HandOffWire.optionBytes(c.ip(), ascii(c.flow()), ascii(c.node())))),
                parse(Unpooled.wrappedBuffer(c.query())), CODES, c.ip(), c.port(), c.id(), ascii(c.flow()), ascii(c.node()));

        ParsedQuery onTheWire = parse(m.copy());
        assertThat(onTheWire.verdict()).isEqualTo(ParsedQuery.Verdict.OK);
        assertThat(sent.optRdLength()).isEqualTo(onTheWire.optRdLength());
        assertThat(sent.udpSize()).as("the pod's size, or 512 without its own OPT").isEqualTo(onTheWire.udpSize());

        EdnsContext.Found found = EdnsContext.readAndStrip(m, onTheWire, ContextCodes.DEFAULT, true, CODES);

        assertThat(found.handOffMalformed()).isFalse();
        assertThat(found.handOffOrigin().source()).isEqualTo("nodelocal");
        assertThat(found.handOffOrigin().ip()).isEqualTo(Addresses.text(c.ip()));
        assertThat(found.handOffAddress().getAddress()).isEqualTo(c.ip());
        assertThat(found.handOffOrigin().port()).isEqualTo(c.port());
        assertThat(found.handOffOrigin().id()).isEqualTo(c.id());
        assertThat(found.via().flow()).isEqualTo(c.flow());
        assertThat(found.via().node()).isEqualTo(c.node().isEmpty() ? null : c.node());
        byte[] stripped = new byte[m.readableBytes()];
        m.getBytes(m.readerIndex(), stripped);
        assertThat(stripped).as("stripped: the pod's query byte for byte").isEqualTo(c.query());
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<byte[]> ip = Arbitraries.of(4, 16).flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
        Arbitrary<String> flow = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(HandOffWire.MAX_FLOW);
        Arbitrary<String> node = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(HandOffWire.MAX_NODE);
        return Combinators.combine(queries(), ip, Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 65535), flow, node).as(Case::new);
    }

    /**
     * Queries as pods send them, 512-byte OPTs with DO clear and no options included (the hand-off says
     * explicitly when it added the OPT); only the one CoreDNS's rewrite adds (4096) is left out.
     */
    private Arbitrary<byte[]> queries() {
        Arbitrary<EDNSOption> option = Combinators.combine(
                Arbitraries.integers().between(1, 65535).filter(c -> c != 8 && !CODES.isHandOff(c) && (c < 65518 || c > 65522)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40)).as(GenericEDNSOption::new);
        Arbitrary<List<EDNSOption>> options = option.list().ofMaxSize(4);
        Arbitrary<Integer> size = Arbitraries.of(512, 1232, 1400, 2048, 65535);
        return Combinators.combine(Arbitraries.of(true, false), size, Arbitraries.of(true, false), options,
                Arbitraries.integers().between(0, 65535), Arbitraries.of(true, false)).as((edns, udp, dnssecOk, opts, id, extra) -> {
                    Message q = Message.newQuery(Record.newRecord(Name.fromConstantString("pod.example.com."), Type.A, 1));
                    q.getHeader().setID(id);
                    if (edns) {
                        q.addRecord(new OPTRecord(udp, 0, 0, dnssecOk ? org.xbill.DNS.ExtendedFlags.DO : 0, new ArrayList<>(opts)),
                                Section.ADDITIONAL);
                    }
                    if (extra) {
                        // A record after the OPT: the hand-off must insert, not only append.
                        q.addRecord(Record.newRecord(Name.fromConstantString("x."), Type.TXT, 1), Section.ADDITIONAL);
                    }
                    return q.toWire();
                });
    }

    private static ParsedQuery parse(ByteBuf m) {
        ParsedQuery p = new ParsedQuery();
        QueryParser.parse(m, p);
        return p;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
