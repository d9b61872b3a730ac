package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.dnsflow.testing.Eventually;

/** What every fault test asserts: DNS did not notice, memory stayed bounded, and every flow is accounted for. */
final class Faults {
    /** How long the client sends queries under each fault. */
    static final Duration LOAD = Duration.ofMillis(2000);

    private static UnderLoad.Result baseline;
    private static String baselineScrape;

    private Faults() {
    }

    /** The same load against a healthy collector, measured once per test JVM on the same machine. */
    static synchronized UnderLoad.Result baseline() throws Exception {
        if (baseline == null) {
            try (Collector healthy = new Collector(); UnderLoad run = new UnderLoad(healthy.endpoint(), Map.of())) {
                UnderLoad.Result result = run.load(LOAD);
                assertThat(result.lost()).as(result.toString()).isZero();
                baselineScrape = run.scrape();
                Eventually.await(() -> run.count("dnsflow.otlp.spans.exported") > 0, Duration.ofSeconds(20),
                        "spans exported");
                baseline = result;
            }
        }
        return baseline;
    }

    /** The admin API's /metrics during the healthy run, before any export could fail. */
    static synchronized String baselineScrape() throws Exception {
        baseline();
        return baselineScrape;
    }

    /**
     * Every query answered, at a median latency and a rate comparable to the healthy-collector run of the same
     * class (generous factors: the machine is shared and noisy; a stalled proxy misses them by orders of
     * magnitude), and the OTLP queue never beyond its capacity.
     */
    static void dnsDidNotNotice(UnderLoad.Result run, UnderLoad.Result baseline) {
        String both = run + " vs healthy collector " + baseline;
        assertThat(run.answered()).as(both).isPositive();
        assertThat(run.lost()).as("no query lost: " + both).isZero();
        assertThat(run.medianMillis()).as("median latency: " + both)
                .isLessThanOrEqualTo(Math.max(5 * baseline.medianMillis(), baseline.medianMillis() + 10));
        assertThat(run.qps()).as("rate: " + both).isGreaterThanOrEqualTo(baseline.qps() / 5);
        assertThat(run.maxQueue()).as("bounded memory: " + both).isLessThanOrEqualTo(OtlpSink.QUEUE_FLOWS);
    }

    /**
     * After the proxy stopped: each flow the sink was handed is exported (2 spans: SERVER and its one attempt) or
     * counted as dropped, exactly once.
     */
    static void everyFlowAccountedFor(UnderLoad run, UnderLoad.Result result) {
        double exportedFlows = run.count("dnsflow.otlp.spans.exported") / 2;
        double dropped = run.count("dnsflow.flows.dropped", "sink", "otlp");
        assertThat(exportedFlows + dropped).as("exported %s + dropped %s flows, of %s answered", exportedFlows, dropped,
                result.answered()).isEqualTo(run.flowsToSinks(result.answered()));
    }

    /** The posts of one batch came at least Retry-After (1 s) apart, less the clock's grain. */
    static void retriesWaitedForRetryAfter(List<ServeEvent> posts) {
        for (int i = 1; i < posts.size(); i++) {
            long gap = posts.get(i).getRequest().getLoggedDate().getTime()
                    - posts.get(i - 1).getRequest().getLoggedDate().getTime();
            assertThat(gap).as("post %d of the batch, after Retry-After: 1", i + 1).isGreaterThanOrEqualTo(900);
        }
    }

    /** The bodies the collector received, each with the statuses it answered them with, in order. */
    static Map<ByteBuffer, List<ServeEvent>> byBody(Collector collector) {
        List<ServeEvent> events = new ArrayList<>(collector.server().getAllServeEvents());
        events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
        Map<ByteBuffer, List<ServeEvent>> out = new LinkedHashMap<>();
        for (ServeEvent e : events) {
            out.computeIfAbsent(ByteBuffer.wrap(e.getRequest().getBody()), b -> new ArrayList<>()).add(e);
        }
        return out;
    }
}
