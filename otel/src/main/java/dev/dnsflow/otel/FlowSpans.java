package dev.dnsflow.otel;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Mnemonics;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.handoff.Via;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One flow as spans (see the README's "Traces"): a SERVER span {@code DNS A example.com.} from receipt to
 * answer, a CLIENT child per upstream attempt, and with the sidecar's join a {@code coredns} span above them
 * with CoreDNS's own timestamps; a query CoreDNS answered itself or never answered is that span alone. Behind a
 * node's dnsflow the top span is a child of the node's SERVER span ({@link TraceIds}).
 */
final class FlowSpans {
    static final AttributeKey<String> QUESTION_NAME = AttributeKey.stringKey("dns.question.name");
    static final AttributeKey<String> QUESTION_TYPE = AttributeKey.stringKey("dns.question.type");
    static final AttributeKey<String> RESPONSE_CODE = AttributeKey.stringKey("dns.response_code");
    static final AttributeKey<List<String>> ANSWERS = AttributeKey.stringArrayKey("dns.answers");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<Long> CLIENT_PORT = AttributeKey.longKey("client.port");
    static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");
    static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("network.transport");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> FLOW_ID = AttributeKey.stringKey("dnsflow.flow_id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("dnsflow.outcome");
    /**
     * The three message IDs: the pod's own, the one dnsflow received, and the ones it sent upstream (the SERVER span's
     * list, {@code message_ids}) or the one an attempt sent (a CLIENT span's). A key has one type on every span:
     * backends that type attributes by key would reject or drop one of the two otherwise.
     */
    static final AttributeKey<Long> POD_ID = AttributeKey.longKey("dnsflow.message_id.pod");
    static final AttributeKey<Long> RECEIVED_ID = AttributeKey.longKey("dnsflow.message_id.received");
    static final AttributeKey<List<Long>> SENT_IDS = AttributeKey.longArrayKey("dnsflow.message_ids.sent");
    static final AttributeKey<Long> SENT_ID = AttributeKey.longKey("dnsflow.message_id.sent");
    static final AttributeKey<String> ATTEMPT_OUTCOME = AttributeKey.stringKey("dnsflow.attempt.outcome");
    static final AttributeKey<String> CACHE = AttributeKey.stringKey("dnsflow.cache.result");
    static final AttributeKey<String> VIA_NODE = AttributeKey.stringKey("dnsflow.via.node");
    static final AttributeKey<String> VIA_FLOW = AttributeKey.stringKey("dnsflow.via.flow_id");
    static final AttributeKey<Boolean> FORWARDED = AttributeKey.booleanKey("dnsflow.coredns.forwarded");
    static final AttributeKey<String> CHAOS_RULE = AttributeKey.stringKey("dnsflow.chaos.rule");
    static final AttributeKey<String> CHAOS_ACTION = AttributeKey.stringKey("dnsflow.chaos.action");
    static final AttributeKey<Long> CHAOS_DELAY = AttributeKey.longKey("dnsflow.chaos.delay_us");

    private final Resource resource;
    private final InstrumentationScopeInfo scope;

    FlowSpans(Resource resource, InstrumentationScopeInfo scope) {
        this.resource = resource;
        this.scope = scope;
    }

    /** The spans of {@code flow}, whose trace ID ({@link TraceIds#traceId}) is {@code traceId}. */
    List<FlowSpan> spans(Flow flow, long[] traceId) {
        String trace = TraceId.fromLongs(traceId[0], traceId[1]);
        List<FlowSpan> out = new ArrayList<>(2 + flow.attempts().size());
        SpanContext parent = handOffParent(flow, trace);
        CorednsSide coredns = flow.get(CorednsSide.KEY);
        if (coredns != null) {
            SpanContext corednsSpan = context(trace, TraceIds.spanId(flow.id(), "coredns", 0));
            out.add(corednsSpan(flow, coredns, corednsSpan, parent));
            if (flow.outcome() == Outcome.ANSWERED_AT_COREDNS || flow.outcome() == Outcome.UNANSWERED_AT_COREDNS) {
                return out; // dnsflow never saw the query
            }
            parent = corednsSpan;
        }
        SpanContext server = context(trace, TraceIds.spanId(flow.id(), "server", 0));
        out.add(serverSpan(flow, server, parent));
        List<Attempt> attempts = flow.attempts();
        for (int i = 0; i < attempts.size(); i++) {
            out.add(attemptSpan(flow, i, context(trace, TraceIds.spanId(flow.id(), "attempt", i)), server));
        }
        return out;
    }

    /** Behind a node's dnsflow: its SERVER span, which that process exports under the same trace ID. */
    private static SpanContext handOffParent(Flow flow, String trace) {
        Via via = flow.get(Via.KEY);
        if (via == null || via.flow() == null) {
            return SpanContext.getInvalid();
        }
        return SpanContext.createFromRemoteParent(trace, SpanId.fromLong(TraceIds.spanId(via.flow(), "server", 0)),
                TraceFlags.getSampled(), TraceState.getDefault());
    }

    private FlowSpan serverSpan(Flow flow, SpanContext self, SpanContext parent) {
        AttributesBuilder a = question(flow);
        Origin origin = flow.origin();
        if (origin != null && origin.ip() != null) {
            a.put(CLIENT_ADDRESS, origin.ip());
            if (origin.port() > 0) {
                a.put(CLIENT_PORT, origin.port());
            }
        } else {
            a.put(CLIENT_ADDRESS, flow.client().ip()).put(CLIENT_PORT, flow.client().port());
        }
        a.put(PEER_ADDRESS, flow.client().ip()).put(PEER_PORT, flow.client().port())
                .put(TRANSPORT, flow.client().transport().json())
                .put(OUTCOME, flow.outcome().json()).put(RECEIVED_ID, flow.query().id());
        if (origin != null && origin.id() != null) {
            a.put(POD_ID, origin.id());
        }
        List<Long> sent = new ArrayList<>();
        for (Attempt at : flow.attempts()) {
            if (at.id() >= 0) {
                sent.add((long) at.id());
            }
        }
        if (!sent.isEmpty()) {
            a.put(SENT_IDS, sent);
        }
        if (flow.response() != null) {
            a.put(RESPONSE_CODE, Mnemonics.rcode(flow.response().rcode()));
            List<String> answers = flow.response().addresses();
            if (!answers.isEmpty()) {
                a.put(ANSWERS, answers);
            }
        }
        CacheMark cache = flow.get(CacheMark.KEY);
        if (cache != null) {
            a.put(CACHE, cache.result().json());
        }
        Via via = flow.get(Via.KEY);
        if (via != null) {
            if (via.node() != null) {
                a.put(VIA_NODE, via.node());
            }
            a.put(VIA_FLOW, via.flow());
        }
        asker(flow, a);
        List<EventData> events = new ArrayList<>(1);
        ChaosMark chaos = flow.chaos();
        if (chaos != null) {
            events.add(EventData.create(flow.timeEpochNanos(), "dnsflow.chaos", Attributes.of(CHAOS_RULE, chaos.rule(),
                    CHAOS_ACTION, chaos.action(), CHAOS_DELAY, chaos.delayMicros())));
        }
        return new FlowSpan(name(flow), SpanKind.SERVER, self, parent, serverStatus(flow), flow.timeEpochNanos(),
                flow.timeEpochNanos() + flow.durationMicros() * 1000, a.build(), events, resource, scope);
    }

    private FlowSpan attemptSpan(Flow flow, int index, SpanContext self, SpanContext server) {
        Attempt at = flow.attempts().get(index);
        AttributesBuilder a = question(flow).put(TRANSPORT, at.transport().json())
                .put(ATTEMPT_OUTCOME, at.outcome().json());
        if (at.id() >= 0) {
            a.put(SENT_ID, at.id());
        }
        String upstream = at.upstream();
        int colon = upstream == null ? -1 : upstream.lastIndexOf(':');
        if (colon > 0) {
            a.put(SERVER_ADDRESS, upstream.substring(0, colon).replace("[", "").replace("]", ""));
            try {
                a.put(SERVER_PORT, Integer.parseInt(upstream.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // a label without a port: the address alone
            }
        } else if (upstream != null) {
            a.put(SERVER_ADDRESS, upstream);
        }
        K8sNames names = flow.names();
        if (names != null && names.upstream(index) != null) {
            k8s(names.upstream(index), a, "dnsflow.upstream.");
        }
        StatusData status = Sampling.attemptFailed(at.outcome()) ? StatusData.create(StatusCode.ERROR, at.outcome().json()) : StatusData.unset();
        long start = at.sentEpochNanos() > 0 ? at.sentEpochNanos() : flow.timeEpochNanos();
        return new FlowSpan(name(flow), SpanKind.CLIENT, self, server, status, start, start + at.rttMicros() * 1000,
                a.build(), List.of(), resource, scope);
    }

    private FlowSpan corednsSpan(Flow flow, CorednsSide c, SpanContext self, SpanContext parent) {
        AttributesBuilder a = question(flow).put(FORWARDED, c.forwarded()).put(OUTCOME, flow.outcome().json());
        Origin origin = flow.origin();
        if (origin != null && origin.ip() != null) {
            a.put(CLIENT_ADDRESS, origin.ip());
            if (origin.port() > 0) {
                a.put(CLIENT_PORT, origin.port());
            }
            if (origin.transport() != null) {
                a.put(TRANSPORT, origin.transport().json());
            }
            if (origin.id() != null) {
                a.put(POD_ID, origin.id());
            }
        }
        boolean answered = c.respondedEpochNanos() > 0;
        if (answered) {
            a.put(RESPONSE_CODE, Mnemonics.rcode(c.rcode()));
        }
        if (flow.outcome() == Outcome.ANSWERED_AT_COREDNS && flow.response() != null) {
            List<String> answers = flow.response().addresses();
            if (!answers.isEmpty()) {
                a.put(ANSWERS, answers);
            }
        }
        asker(flow, a);
        StatusData status = !answered ? StatusData.create(StatusCode.ERROR, Outcome.UNANSWERED_AT_COREDNS.json())
                : Sampling.badRcode(c.rcode()) ? StatusData.create(StatusCode.ERROR, Mnemonics.rcode(c.rcode()))
                : StatusData.unset();
        // Never answered: the span lasts as long as the flow says CoreDNS was seen waiting.
        long end = answered ? c.respondedEpochNanos() : c.receivedEpochNanos() + flow.durationMicros() * 1000;
        return new FlowSpan("coredns", SpanKind.SERVER, self, parent, status, c.receivedEpochNanos(), end, a.build(),
                List.of(), resource, scope);
    }

    /** ERROR with the outcome as description for every failure a client sees. */
    private static StatusData serverStatus(Flow flow) {
        if (!Sampling.answered(flow.outcome()) || flow.response() == null) {
            return StatusData.create(StatusCode.ERROR, flow.outcome().json());
        }
        int rcode = flow.response().rcode();
        return Sampling.badRcode(rcode)
                ? StatusData.create(StatusCode.ERROR, flow.outcome().json() + " " + Mnemonics.rcode(rcode))
                : StatusData.unset();
    }

    /** {@code DNS A example.com.}; {@code DNS} alone for a query whose question could not be read. */
    static String name(Flow flow) {
        if (flow.query().name() == null) {
            return "DNS";
        }
        return "DNS " + Mnemonics.type(flow.query().type()) + " " + flow.query().name();
    }

    private static AttributesBuilder question(Flow flow) {
        AttributesBuilder a = Attributes.builder().put(FLOW_ID, flow.id());
        if (flow.query().name() != null) {
            a.put(QUESTION_NAME, flow.query().name()).put(QUESTION_TYPE, Mnemonics.type(flow.query().type()));
        }
        return a;
    }

    /** The pod that asked, as the k8s resource attributes name a pod. */
    private static void asker(Flow flow, AttributesBuilder a) {
        K8sRef asker = K8sNames.asker(flow);
        if (asker != null) {
            k8s(asker, a, "");
            return;
        }
        Origin o = flow.origin();
        if (o != null && o.pod() != null) { // named by CoreDNS's rewrite
            a.put("k8s.pod.name", o.pod());
            if (o.namespace() != null) {
                a.put("k8s.namespace.name", o.namespace());
            }
        }
    }

    private static void k8s(K8sRef ref, AttributesBuilder a, String prefix) {
        if (ref.isNode()) {
            a.put(prefix + "k8s.node.name", ref.name());
            return;
        }
        String kind = ref.isPod() ? "pod" : ref.kind();
        a.put(prefix + "k8s." + kind + ".name", ref.name());
        if (ref.namespace() != null) {
            a.put(prefix + "k8s.namespace.name", ref.namespace());
        }
        if (ref.node() != null) {
            a.put(prefix + "k8s.node.name", ref.node());
        }
        if (ref.hasWorkload()) {
            a.put(prefix + "k8s." + ref.workloadKind().toLowerCase(Locale.ROOT) + ".name", ref.workloadName());
        }
    }

    private static SpanContext context(String trace, long spanId) {
        return SpanContext.create(trace, SpanId.fromLong(spanId), TraceFlags.getSampled(), TraceState.getDefault());
    }
}
