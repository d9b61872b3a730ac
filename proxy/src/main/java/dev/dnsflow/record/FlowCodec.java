package dev.dnsflow.record;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.util.ArrayList;
import java.util.List;

/**
 * The ring's in-memory form of a flow: about 130 bytes instead of a graph of a dozen objects, so
 * 100 000 held flows are one array the garbage collector never has to trace or copy. Private to
 * this process (no version, no compatibility promise); the JSON form is the contract.
 *
 * <p>Layout: a presence byte (response, chaos, origin, extensions, names), then the fields in record order;
 * integers as (zig-zag) varints, the arrival time as 8 bytes, attempt times relative to it,
 * strings as a length varint and UTF-8 (length + 1 for strings that may be null, 0 meaning null);
 * then the cluster names ({@link K8sNames}), last the extensions, each as its registered id and what its codec writes ({@link Extensions#encode}).
 */
final class FlowCodec {
    private static final int HAS_RESPONSE = 1;
    private static final int HAS_CHAOS = 2;
    private static final int HAS_ORIGIN = 4;
    private static final int HAS_EXTENSIONS = 8;
    private static final int HAS_NAMES = 16;
    private static final Transport[] TRANSPORTS = Transport.values();
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final AttemptOutcome[] ATTEMPT_OUTCOMES = AttemptOutcome.values();

    private FlowCodec() {
    }

    static void encode(Flow f, ByteWriter w) {
        w.reset();
        w.writeByte((f.response() != null ? HAS_RESPONSE : 0) | (f.chaos() != null ? HAS_CHAOS : 0)
                | (f.origin() != null ? HAS_ORIGIN : 0) | (f.extensions().isEmpty() ? 0 : HAS_EXTENSIONS) | (f.names() != null ? HAS_NAMES : 0));
        w.writeString(f.id());
        w.writeFixedLong(f.timeEpochNanos());
        w.writeString(f.client().ip());
        w.writeVarint(f.client().port());
        w.writeByte(f.client().transport().ordinal());
        QueryInfo q = f.query();
        w.writeVarint(q.id());
        w.writeNullableString(q.name());
        w.writeVarint(q.type());
        w.writeVarint(q.dclass());
        w.writeByte((q.rd() ? 1 : 0) | (q.cd() ? 2 : 0) | (q.dnssecOk() ? 4 : 0));
        w.writeVarint(q.ednsSize());
        w.writeVarint(q.size());
        w.writeVarint(f.attempts().size());
        for (Attempt a : f.attempts()) {
            w.writeString(a.upstream());
            w.writeByte(a.transport().ordinal());
            w.writeSigned(a.id());
            w.writeSigned(a.sentEpochNanos() - f.timeEpochNanos());
            w.writeSigned(a.rttMicros());
            w.writeByte(a.outcome().ordinal());
        }
        w.writeSigned(f.durationMicros());
        w.writeByte(f.outcome().ordinal());
        if (f.response() != null) {
            FlowResponse r = f.response();
            w.writeVarint(r.rcode());
            w.writeVarint(r.answers());
            w.writeVarint(r.size());
            w.writeByte(r.truncated() ? 1 : 0);
            w.writeBytes(r.rawAddresses());
        }
        if (f.chaos() != null) {
            w.writeString(f.chaos().rule());
            w.writeString(f.chaos().action());
            w.writeSigned(f.chaos().delayMicros());
        }
        if (f.origin() != null) {
            Origin o = f.origin();
            w.writeString(o.ip());
            w.writeSigned(o.port());
            w.writeByte(o.transport() == null ? 0 : o.transport().ordinal() + 1);
            w.writeString(o.source());
            w.writeNullableString(o.pod());
            w.writeNullableString(o.namespace());
            w.writeNullableInt(o.prefix());
            w.writeNullableInt(o.id());
        }
        if (f.names() != null) {
            K8sNames n = f.names();
            writeRef(w, n.origin());
            writeRef(w, n.client());
            w.writeVarint(n.upstreams().size());
            for (K8sRef u : n.upstreams()) {
                writeRef(w, u);
            }
        }
        if (!f.extensions().isEmpty()) {
            f.extensions().encode(w);
        }
    }

    /** A presence byte, then kind, namespace, name, workload kind and name, node (the last four may be null). */
    private static void writeRef(ByteWriter w, K8sRef ref) {
        w.writeByte(ref == null ? 0 : 1);
        if (ref != null) {
            w.writeString(ref.kind());
            w.writeNullableString(ref.namespace());
            w.writeString(ref.name());
            w.writeNullableString(ref.workloadKind());
            w.writeNullableString(ref.workloadName());
            w.writeNullableString(ref.node());
        }
    }

    private static K8sRef readRef(ByteReader r) {
        return r.readByte() == 0 ? null : new K8sRef(r.readString(), r.readNullableString(), r.readString(),
                r.readNullableString(), r.readNullableString(), r.readNullableString());
    }

    private static K8sNames readNames(ByteReader r) {
        K8sRef origin = readRef(r);
        K8sRef client = readRef(r);
        int count = r.readVarint();
        r.check(count);
        List<K8sRef> upstreams = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            upstreams.add(readRef(r));
        }
        return new K8sNames(origin, client, upstreams);
    }

    /** @throws IllegalStateException when the bytes are not a flow (the ring never decodes bytes it has not validated) */
    static Flow decode(ByteReader r) {
        int present = r.readByte();
        String id = r.readString();
        long time = r.readFixedLong();
        Endpoint client = new Endpoint(r.readString(), r.readVarint(), TRANSPORTS[r.readByte()]);
        int queryId = r.readVarint();
        String name = r.readNullableString();
        int type = r.readVarint();
        int dclass = r.readVarint();
        int flags = r.readByte();
        QueryInfo query = new QueryInfo(queryId, name, type, dclass, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
                r.readVarint(), r.readVarint());
        int count = r.readVarint();
        r.check(count); // each attempt takes at least a byte: a garbage count cannot size the list
        List<Attempt> attempts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            attempts.add(new Attempt(r.readString(), TRANSPORTS[r.readByte()], (int) r.readSigned(), time + r.readSigned(),
                    r.readSigned(), ATTEMPT_OUTCOMES[r.readByte()]));
        }
        long duration = r.readSigned();
        Outcome outcome = OUTCOMES[r.readByte()];
        FlowResponse response = (present & HAS_RESPONSE) == 0 ? null
                : new FlowResponse(r.readVarint(), r.readVarint(), r.readVarint(), r.readByte() != 0, r.readBytes());
        ChaosMark chaos = (present & HAS_CHAOS) == 0 ? null
                : new ChaosMark(r.readString(), r.readString(), r.readSigned());
        Origin origin = (present & HAS_ORIGIN) == 0 ? null : readOrigin(r);
        K8sNames names = (present & HAS_NAMES) == 0 ? null : readNames(r);
        Extensions extensions = (present & HAS_EXTENSIONS) == 0 ? Extensions.NONE : Extensions.decode(r);
        if (r.remaining() != 0) {
            throw new IllegalStateException("flow record has " + r.remaining() + " bytes left over");
        }
        return new Flow(id, time, client, query, attempts, response, duration, outcome, chaos, origin, names, extensions);
    }

    private static Origin readOrigin(ByteReader r) {
        String ip = r.readString();
        int port = (int) r.readSigned();
        int transport = r.readByte();
        String source = r.readString();
        String pod = r.readNullableString();
        String namespace = r.readNullableString();
        return new Origin(ip, port, transport == 0 ? null : TRANSPORTS[transport - 1], source, pod, namespace,
                r.readNullableInt(), r.readNullableInt());
    }
}
