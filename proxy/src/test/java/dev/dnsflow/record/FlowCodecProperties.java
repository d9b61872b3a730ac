package dev.dnsflow.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.testing.TestTag;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any flow comes out of the ring exactly as it went in, cluster names and extensions included (CoreDNS's side, and {@link TestTag},
 * which only this test's module registers): compared field by field, arrays by content, and in its JSON form
 * (the contract). Not with {@code equals}: a lenient one would hide a field the codec drops.
 */
class FlowCodecProperties {

    @Property(tries = 500)
    void anyFlowRoundTrips(@ForAll("flows") Flow flow) {
        ByteWriter w = new ByteWriter();
        FlowCodec.encode(flow, w);
        Flow back = FlowCodec.decode(new ByteReader(w.array(), w.length()));
        assertThat(back).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(flow);
        assertThat(back.get(CorednsSide.KEY)).usingRecursiveComparison().isEqualTo(flow.get(CorednsSide.KEY));
        assertThat(back.get(TestTag.KEY)).usingRecursiveComparison().isEqualTo(flow.get(TestTag.KEY));
        assertThat(back.extensions().size()).isEqualTo(flow.extensions().size());
        assertThat(FlowJson.toJson(back)).isEqualTo(FlowJson.toJson(flow));
    }

    @Provide
    Arbitrary<Flow> flows() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(80);
        Arbitrary<Integer> anyInt = Arbitraries.integers();
        Arbitrary<Long> anyLong = Arbitraries.longs();
        Arbitrary<Integer> code = Arbitraries.integers().between(0, 65535); // types and classes: 16 bits on the wire
        Arbitrary<Integer> rcode = Arbitraries.integers().between(0, 4095); // 12 bits with EDNS
        Arbitrary<Endpoint> endpoint = Combinators.combine(text, anyInt, Arbitraries.of(Transport.class)).as(Endpoint::new);
        Arbitrary<QueryInfo> query = Combinators.combine(anyInt, text.injectNull(0.2), code, code,
                Arbitraries.of(true, false).list().ofSize(3), anyInt, anyInt)
                .as((id, name, type, cls, flags, edns, size) -> new QueryInfo(id, name, type, cls, flags.get(0), flags.get(1),
                        flags.get(2), edns, size));
        Arbitrary<Attempt> attempt = Combinators.combine(text, Arbitraries.of(Transport.class), anyInt, anyLong, anyLong,
                Arbitraries.of(AttemptOutcome.class)).as(Attempt::new);
        Arbitrary<FlowResponse> response = Combinators.combine(rcode, anyInt, anyInt, Arbitraries.of(true, false),
                Arbitraries.of(new byte[0], new byte[] {4, 10, 0, 0, 1})).as(FlowResponse::new).injectNull(0.3);
        Arbitrary<ChaosMark> chaos = Combinators.combine(text, text, anyLong).as(ChaosMark::new).injectNull(0.5);
        Arbitrary<Origin> origin = Combinators.combine(text, anyInt, Arbitraries.of(Transport.class).injectNull(0.3), text,
                text.injectNull(0.5), text.injectNull(0.5), anyInt.injectNull(0.5), anyInt.injectNull(0.5))
                .as(Origin::new).injectNull(0.5);
        Arbitrary<CorednsSide> coredns = Combinators.combine(anyLong, anyLong, rcode, anyLong, Arbitraries.of(true, false))
                .as(CorednsSide::new).injectNull(0.5);
        Arbitrary<TestTag> tag = Combinators.combine(text, anyLong, anyInt.injectNull(0.5)).as(TestTag::new).injectNull(0.5);
        Arbitrary<List<Attempt>> attempts = attempt.list().ofMaxSize(4);
        Arbitrary<K8sRef> ref = Combinators.combine(text, text.injectNull(0.3), text, text.injectNull(0.5), text.injectNull(0.3))
                .as((kind, ns, name, workload, node) -> new K8sRef(kind, ns, name, workload == null ? null : "Deployment",
                        workload, node)).injectNull(0.3);
        Arbitrary<K8sNames> names = Combinators.combine(ref, ref, ref.list().ofMaxSize(4)).as(K8sNames::new).injectNull(0.4);
        return Combinators.combine(text, anyLong, endpoint, query, attempts, response, anyLong,
                        Arbitraries.of(Outcome.class))
                .as((id, time, client, q, a, r, duration, outcome) -> new Flow(id, time, client, q, a, r, duration, outcome))
                .flatMap(f -> Combinators.combine(chaos, origin, names, coredns, tag, Arbitraries.of(true, false)).as((c, o, n, d, t, tagFirst) ->
                        new Flow(f.id(), f.timeEpochNanos(), f.client(), f.query(), f.attempts(), f.response(),
                                f.durationMicros(), f.outcome(), c, o, n, tagFirst
                                ? Extensions.NONE.with(TestTag.KEY, t).with(CorednsSide.KEY, d)
                                : Extensions.NONE.with(CorednsSide.KEY, d).with(TestTag.KEY, t))));
    }
}
