package dev.dnsflow.benchmarks;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowIds;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.forward.IdSpace;
import dev.dnsflow.wire.DnsHeader;
import dev.dnsflow.wire.Names;
import dev.dnsflow.wire.ParsedQuery;
import dev.dnsflow.wire.QueryParser;
import dev.dnsflow.wire.ResponseCheck;
import dev.dnsflow.wire.ResponseReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import dev.dnsflow.dnstap.DnstapEncoder;
import dev.dnsflow.dnstap.proto.Message;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-query work on an event loop, piece by piece: parsing the query, taking and returning an
 * upstream ID, checking and summarising the reply, building the flow record, and (on the recorder
 * thread) writing it as JSON and encoding it as dnstap. Run: {@code java -jar benchmarks/target/benchmarks.jar QueryPath}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueryPathBenchmark {
    /** example.com. A with an OPT record (EDNS 1232), as dig sends it. */
    private static final byte[] QUERY = {
        0x12, 0x34, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
        0, 0, 41, 0x04, (byte) 0xD0, 0, 0, 0, 0, 0, 0};
    /** The answer: question echoed, one A record 192.0.2.1 with a compressed owner name. */
    private static final byte[] ANSWER = {
        0x12, 0x34, (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
        (byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, (byte) 192, 0, 2, 1};

    private ByteBuf query;
    private ByteBuf answer;
    private final ParsedQuery parsed = new ParsedQuery();
    private final IdSpace<Object> ids = new IdSpace<>();
    private final Object owner = new Object();
    private final FlowIds flowIds = new FlowIds(0);
    private static final byte[] LOCAL = {127, 0, 0, 1};
    private static final byte[] UPSTREAM = {10, 0, 0, 2};
    private static final byte[] EXTRA = "{\"flow\":\"01JF0000000000000000000000\"}".getBytes(StandardCharsets.UTF_8);
    private final DnstapEncoder dnstap = DnstapEncoder.of("bench", "dnsflow");
    private Flow flow;
    private final ByteArrayOutputStream lines = new ByteArrayOutputStream(1 << 17);
    private JsonGenerator lineGenerator;

    @Setup
    public void setUp() {
        query = Unpooled.directBuffer(QUERY.length).writeBytes(QUERY);
        answer = Unpooled.directBuffer(ANSWER.length).writeBytes(ANSWER);
        QueryParser.parse(query, parsed);
        flow = record();
        try {
            lineGenerator = FlowJson.FACTORY.createGenerator(lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lineGenerator.setRootValueSeparator(null);
    }

    @Benchmark
    public int parseQuery() {
        QueryParser.parse(query, parsed);
        return parsed.questionEnd();
    }

    @Benchmark
    public int takeAndReturnUpstreamId() {
        int id = ids.allocate(owner);
        DnsHeader.setId(query, id);
        ids.release(id, owner);
        return id;
    }

    @Benchmark
    public Object checkAndSummariseReply() {
        String problem = ResponseCheck.check(answer, query, parsed.questionEnd());
        return problem == null ? ResponseReader.summarize(answer, parsed.questionEnd()) : problem;
    }

    @Benchmark
    public Flow recordFlow() {
        return record();
    }

    @Benchmark
    public String writeFlowJson() {
        return FlowJson.toJson(flow);
    }

    /** A flow as the JSON-lines log writes it: one reused generator into a reused buffer, emptied every 64 KiB. */
    @Benchmark
    public int writeFlowJsonLine() throws IOException {
        FlowJson.write(flow, lineGenerator);
        lineGenerator.flush();
        lines.write('\n');
        if (lines.size() >= 1 << 16) {
            lines.reset();
        }
        return lines.size();
    }

    /** One FORWARDER_RESPONSE dnstap message (query and answer bytes, both times): the largest of a flow's four. */
    @Benchmark
    public byte[] encodeDnstapForwarderResponse() {
        return dnstap.message(Message.Type.FORWARDER_RESPONSE).protocol(SocketProtocol.UDP)
                .queryAddress(LOCAL, 0).responseAddress(UPSTREAM, 53).queryTime(flow.timeEpochNanos())
                .responseTime(flow.timeEpochNanos() + 300_000).queryMessage(QUERY).responseMessage(ANSWER)
                .extra(EXTRA).encode();
    }

    private Flow record() {
        long now = System.nanoTime();
        String name = Names.toText(query, 0, DnsHeader.SIZE, parsed.nameEnd());
        return new Flow(flowIds.next(now / 1_000_000), now, new Endpoint("10.244.0.5", 50759, Transport.UDP),
                new QueryInfo(parsed.id(), name, parsed.qtype(), parsed.qclass(), parsed.recursionDesired(),
                        parsed.checkingDisabled(), parsed.dnssecOk(), parsed.advertisedEdnsSize(), parsed.size()),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 4711, now, 300, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 45, false, new byte[] {4, (byte) 192, 0, 2, 1}), 812, Outcome.ANSWERED);
    }
}
