package dev.dnsflow.benchmarks;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.k8s.ClusterIndex;
import dev.dnsflow.k8s.K8sObject;
import dev.dnsflow.k8s.KubernetesNames;
import dev.dnsflow.record.FlowEnricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Naming a flow on the recorder thread (issue #13: at most 300 ns per flow), against the index of a
 * {@link SyntheticCluster} (10 000 pods, 3 000 Services, 100 nodes). Each call names the next of 1 024
 * flows as CoreDNS sends them: the client a CoreDNS pod, the origin from EDNS (a known pod 80 %, an
 * address the cluster does not know 20 %), one attempt to an upstream Service (80 %) or that and a retry
 * to an upstream outside the cluster (20 %). Allocation: add {@code -prof gc}. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar Names -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class NamesBenchmark {
    private static final int FLOWS = 1024;
    private static final String SERVICE_UPSTREAM = SyntheticCluster.serviceIp(53) + ":53";
    private static final String OUTSIDE_UPSTREAM = "8.8.8.8:53";

    private ClusterIndex index;
    private FlowEnricher enricher;
    private Flow[] flows;
    private String[] originIps;
    private int next;
    private Flow named;
    private final FlowEnricher.Output out = (flow, wire) -> named = flow;

    @Setup
    public void setUp() {
        index = SyntheticCluster.index();
        enricher = KubernetesNames.enricher(index, Map.of(), new SimpleMeterRegistry());
        long now = System.currentTimeMillis() * 1_000_000;
        SplittableRandom random = new SplittableRandom(13);
        flows = new Flow[FLOWS];
        originIps = new String[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            String origin = random.nextInt(100) < 80 ? SyntheticCluster.podIp(2 + random.nextInt(SyntheticCluster.PODS - 2))
                    : "10.2." + random.nextInt(256) + "." + random.nextInt(256);
            boolean retried = random.nextInt(100) < 20;
            List<Attempt> attempts = new ArrayList<>(2);
            attempts.add(new Attempt(SERVICE_UPSTREAM, Transport.UDP, 4711, now, 300,
                    retried ? AttemptOutcome.TIMEOUT : AttemptOutcome.ANSWERED));
            if (retried) {
                attempts.add(new Attempt(OUTSIDE_UPSTREAM, Transport.UDP, 4712, now + 300_000, 300, AttemptOutcome.ANSWERED));
            }
            originIps[i] = origin;
            flows[i] = new Flow("01JF" + i, now, new Endpoint(SyntheticCluster.podIp(i & 1), 40000 + i, Transport.UDP),
                    new QueryInfo(i, "api.shop.svc.cluster.local.", 1, 1, true, false, false, 1232, 60), attempts, null,
                    812, Outcome.ANSWERED, null, new Origin(origin, 0, null, "edns0-local", null, null, null));
        }
        enricher.accept(flows[0], null, out);
        if (named.names() == null || named.names().client() == null) {
            throw new IllegalStateException("the benchmark's flows are not named: " + named);
        }
    }

    /** One flow named: three to four lookups, the names attached. */
    @Benchmark
    public Flow nameFlow() {
        enricher.accept(flows[next++ & (FLOWS - 1)], null, out);
        return named;
    }

    /** For scale: one lookup of an origin (80 % a pod), as {@link ClusterIndex#lookup(String, long)} does it. */
    @Benchmark
    public K8sObject lookupOrigin() {
        int i = next++ & (FLOWS - 1);
        return index.lookup(originIps[i], flows[i].timeEpochNanos() / 1_000_000);
    }
}
