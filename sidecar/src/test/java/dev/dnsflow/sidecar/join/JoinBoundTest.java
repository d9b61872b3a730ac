package dev.dnsflow.sidecar.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.dnstap.DnstapEncoder;
import dev.dnsflow.dnstap.proto.Message.Type;
import dev.dnsflow.dnstap.proto.SocketProtocol;
import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.flow.WallClock;
import dev.dnsflow.record.FlowEnricher;
import dev.dnsflow.testing.Wire;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;

/**
 * The join's state stays within {@code --join-max} whatever arrives: CoreDNS's dnstap and dnsflow's flows
 * are fed straight into the {@link Joiner} (as the receiver threads and the recorder thread do), far more
 * of both than it may hold. What does not fit is counted in {@code dnsflow.join.overflow}, and every flow
 * handed in leaves exactly once, joined or not.
 */
class JoinBoundTest {
    private static final int MAX = 10_000;
    private static final int N = 100_000;
    private static final Duration WINDOW = Duration.ofSeconds(3);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Joiner joiner = new Joiner(WINDOW, MAX, registry);
    private final DnstapEncoder coredns = DnstapEncoder.of("coredns-0", "CoreDNS-1.11.3");
    private final List<Flow> out = new ArrayList<>();
    private final FlowEnricher.Output collect = (flow, wire) -> out.add(flow);
    private final long t0 = WallClock.nowEpochNanos();
    private int maxHeld;
    private int maxOpen;

    /** Pod {@code i}: its own address, port and message ID. */
    private static byte[] podIp(int i) {
        return new byte[] {10, (byte) 244, (byte) (i >> 8), (byte) i};
    }

    private static String podIpText(int i) {
        return "10.244." + ((i >> 8) & 0xff) + "." + (i & 0xff);
    }

    private static int podPort(int i) {
        return 20_000 + i % 40_000;
    }

    private static int podId(int i) {
        return (i * 7919) & 0xffff;
    }

    /** CoreDNS's dnstap message about pod {@code i} asking {@code name}. */
    private byte[] frame(Type type, int i, String name, long time) {
        Message q = Wire.query(name, org.xbill.DNS.Type.A, podId(i));
        DnstapEncoder.Entry e = coredns.message(type).protocol(SocketProtocol.UDP).queryAddress(podIp(i), podPort(i))
                .responseAddress(new byte[] {10, 96, 0, 10}, 53).queryTime(time);
        return type == Type.CLIENT_RESPONSE ? e.responseTime(time).responseMessage(Wire.answer(q, "192.0.2.1").toWire()).encode()
                : e.queryMessage(q.toWire()).encode();
    }

    /** dnsflow's flow for {@code name}, sent by pod {@code i} as client context says (CoreDNS's rewrite). */
    private static Flow flow(int i, String name, long time) {
        return new Flow("flow-" + i, time, new Endpoint("127.0.0.1", 40_000 + i % 20_000, Transport.UDP),
                new QueryInfo(i & 0xffff, name, 1, 1, true, false, false, 1232, 40),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 1000 + i % 50_000, time + 1000, 300, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 56, false, new byte[] {4, (byte) 192, 0, 2, 1}), 400, Outcome.ANSWERED, null,
                new Origin(podIpText(i), podPort(i), Transport.UDP, "edns0-local", null, null, null));
    }

    private void checkBound() {
        int held = joiner.heldFlows();
        int open = joiner.openTransactions();
        maxHeld = Math.max(maxHeld, held);
        maxOpen = Math.max(maxOpen, open);
        assertThat(held).as("flows held").isLessThanOrEqualTo(MAX);
        assertThat(open).as("pod queries held").isLessThanOrEqualTo(MAX);
    }

    private double overflow() {
        return registry.get("dnsflow.join.overflow").counter().count();
    }

    /** Every flow handed in came out exactly once; returns them by id. */
    private Map<String, Flow> ours(int handedIn) {
        Map<String, Flow> byId = new HashMap<>();
        for (Flow f : out) {
            if (f.id().startsWith("flow-")) {
                assertThat(byId.put(f.id(), f)).as("%s came out twice", f.id()).isNull();
            }
        }
        assertThat(byId).as("flows out").hasSize(handedIn);
        return byId;
    }

    @Test
    void aBurstOfPodQueriesThenOfFlowsIsHeldWithinTheBoundAndEveryFlowLeavesOnce() {
        for (int i = 0; i < N; i++) {
            joiner.offer(frame(Type.CLIENT_QUERY, i, "q" + i + ".example.com.", t0 + i * 1000L));
        }
        assertThat(overflow()).as("pod queries beyond the bound, before the recorder thread ran").isEqualTo(N - MAX);

        for (int i = 0; i < N; i++) {
            joiner.accept(flow(i, "q" + i + ".example.com.", t0 + i * 1000L + 200_000), null, collect);
            if (i % 1000 == 0) {
                checkBound();
            }
        }
        checkBound();
        assertThat(maxHeld).isEqualTo(MAX);
        assertThat(maxOpen).isEqualTo(MAX);
        assertThat(overflow()).as("+ flows beyond the bound, passed on at once").isEqualTo(2.0 * (N - MAX));
        assertThat(out).as("the flows that did not fit left at once, unjoined").hasSize(N - MAX)
                .allSatisfy(f -> assertThat(f.get(CorednsSide.KEY)).isNull());

        for (int i = 0; i < MAX; i++) {
            joiner.offer(frame(Type.CLIENT_RESPONSE, i, "q" + i + ".example.com.", t0 + i * 1000L + 500_000));
        }
        joiner.tick(t0 + N * 1000L, collect);
        assertThat(joiner.heldFlows()).as("CoreDNS's answers released every held flow").isZero();
        joiner.flush(collect);

        Map<String, Flow> flows = ours(N);
        for (int i = 0; i < N; i++) {
            Flow f = flows.get("flow-" + i);
            if (i < MAX) {
                assertThat(f.get(CorednsSide.KEY)).as("flow %d joined", i).isNotNull();
                assertThat(f.origin().id()).isEqualTo(podId(i));
            } else {
                assertThat(f.get(CorednsSide.KEY)).as("flow %d had no room", i).isNull();
            }
        }
        assertThat(out).as("no pod query was reported on its own: all were joined or never held").hasSize(N);
        assertThat(joiner.heldFlows()).isZero();
        assertThat(joiner.openTransactions()).isZero();
        assertThat(registry.get("dnsflow.join.joined").counter().count()).isEqualTo(MAX);
    }

    /**
     * unbound and dnsdist send no FORWARDER_QUERY carrying the client's ID, and their CLIENT_RESPONSE can be read
     * before the flow dnsflow queued earlier: the recorder thread drains the dnstap inbox (tick) before it accepts
     * the flow it has just taken off its queue. The response must not be taken for "CoreDNS answered itself".
     */
    @Test
    void aResponseReadBeforeItsAlreadyQueuedFlowStillJoins() {
        String name = "early.example.com.";
        Flow queued = new Flow("flow-early", t0 + 700_000, new Endpoint("127.0.0.1", 38426, Transport.UDP),
                new QueryInfo(1024, name, 1, 1, true, false, false, 1232, 68),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 48641, t0 + 800_000, 2000, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 106, false, new byte[] {4, (byte) 192, 0, 2, 10}), 4300, Outcome.ANSWERED);
        joiner.offer(frame(Type.CLIENT_QUERY, 7, name, t0));
        joiner.offer(frame(Type.CLIENT_RESPONSE, 7, name, t0 + 8_000_000));
        joiner.tick(t0 + 9_000_000, collect);
        joiner.accept(queued, null, collect);
        joiner.tick(t0 + 2_000_000_000L, collect);
        joiner.flush(collect);

        assertThat(out).as("one query, one flow").singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("flow-early");
            assertThat(f.get(CorednsSide.KEY)).isNotNull();
            assertThat(f.get(CorednsSide.KEY).forwarded()).isTrue();
            assertThat(f.origin().id()).isEqualTo(podId(7));
        });
    }

    @Test
    void steadyTrafficThatIsJoinedAtOnceOverflowsNothing() {
        // 100 000 pod queries at 20 000 a second, each joined and answered within half a millisecond: a handful are held
        // at any moment, far below the bound, so nothing may be counted as overflow.
        for (int i = 0; i < N; i++) {
            long now = t0 + i * 50_000L;
            String name = "s" + i + ".example.com.";
            joiner.offer(frame(Type.CLIENT_QUERY, i, name, now));
            joiner.accept(flow(i, name, now + 100_000), null, collect);
            joiner.offer(frame(Type.CLIENT_RESPONSE, i, name, now + 300_000));
            if (i % 10 == 0) {
                joiner.tick(now + 400_000, collect);
            }
            if (i % 1000 == 0) {
                checkBound();
                assertThat(joiner.heldFlows() + joiner.openTransactions()).as("held at %d", i).isLessThan(100);
            }
        }
        joiner.flush(collect);

        assertThat(overflow()).as("dnsflow.join.overflow").isZero();
        assertThat(ours(N).values()).allSatisfy(f -> assertThat(f.get(CorednsSide.KEY)).isNotNull());
        assertThat(out).hasSize(N);
    }

    @Test
    void interleavedPodQueriesAndFlowsThatNeverMeetStayWithinTheBound() {
        // 100 000 pod queries and 100 000 flows within one second: nothing expires by time, only the bound holds them.
        for (int i = 0; i < N; i++) {
            long now = t0 + i * 10_000L;
            joiner.offer(frame(Type.CLIENT_QUERY, i, "pod" + i + ".example.com.", now));
            joiner.accept(flow(i, "flow" + i + ".example.com.", now), null, collect);
            if (i % 100 == 0) {
                joiner.tick(now, collect);
            }
            if (i % 1000 == 0) {
                checkBound();
            }
        }
        checkBound();
        assertThat(maxHeld).isEqualTo(MAX);
        assertThat(maxOpen).isEqualTo(MAX);
        double overflowBeforeFlush = overflow();
        assertThat(overflowBeforeFlush).as("flows and pod queries beyond the bound").isEqualTo(2.0 * (N - MAX));

        joiner.flush(collect);

        Map<String, Flow> flows = ours(N);
        assertThat(flows.values()).allSatisfy(f -> assertThat(f.get(CorednsSide.KEY)).isNull());
        List<Flow> podOnly = out.stream().filter(f -> !f.id().startsWith("flow-")).toList();
        assertThat(podOnly).as("pod queries reported as never answered: only those still held at shutdown, not the ones "
                + "pushed out by the bound (CoreDNS may well have answered those)").hasSize(MAX)
                .allSatisfy(f -> assertThat(f.outcome()).isEqualTo(Outcome.UNANSWERED_AT_COREDNS));
        assertThat(joiner.heldFlows()).isZero();
        assertThat(joiner.openTransactions()).isZero();
    }
}
