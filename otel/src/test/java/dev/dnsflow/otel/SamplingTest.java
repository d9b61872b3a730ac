package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.Outcome;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingTest {
    private static final Sampling NOTHING_ORDINARY = new Sampling(0.0, 10_000_000);
    private final FlowSpans spans = new FlowSpans(Resource.empty(), InstrumentationScopeInfo.create("test"));

    /** A fast, answered flow whose first attempt ended as {@code first} and whose second answered. */
    private static Flow firstAttempt(AttemptOutcome first) {
        Flow a = Flows.answered("S-" + first);
        return new Flow(a.id(), a.timeEpochNanos(), a.client(), a.query(), List.of(Flows.attempt(0, 700, first, 900),
                Flows.attempt(1, 701, AttemptOutcome.ANSWERED, 900)), a.response(), 2000, Outcome.ANSWERED);
    }

    @Test
    void anAttemptWhoseSpanIsAnErrorMakesTheFlowFailedAndKept() {
        for (AttemptOutcome outcome : AttemptOutcome.values()) {
            Flow flow = firstAttempt(outcome);
            boolean error = spans.spans(flow, TraceIds.traceId(flow)).stream()
                    .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow()
                    .getStatus().getStatusCode() == StatusCode.ERROR;

            assertThat(Sampling.failed(flow)).as(outcome.json()).isEqualTo(error);
            assertThat(NOTHING_ORDINARY.keep(flow, -1L)).as(outcome.json()).isEqualTo(error);
        }
        assertThat(Sampling.failed(firstAttempt(AttemptOutcome.ABANDONED))).as("abandoned at shutdown").isTrue();
        assertThat(Sampling.failed(firstAttempt(AttemptOutcome.TRUNCATED))).as("truncated, retried over TCP").isFalse();
    }
}
