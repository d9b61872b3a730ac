package dev.dnsflow.testing;

import dev.dnsflow.flow.Attempt;
import dev.dnsflow.flow.AttemptOutcome;
import dev.dnsflow.flow.Endpoint;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.flow.QueryInfo;
import dev.dnsflow.flow.Transport;
import java.util.List;

/** Flows with every field set, for tests of what consumes flows. */
public final class Flows {
    /** 2025-11-25T19:21:17.123456789Z */
    public static final long TIME = 1_764_098_477_123_456_789L;

    private Flows() {
    }

    /** A query that timed out on one upstream and was answered by the next. */
    public static Flow sample() {
        return new Flow("01JF0000000000000000000000", TIME, new Endpoint("10.244.0.5", 50759, Transport.UDP),
                new QueryInfo(29008, "example.com.", 1, 1, true, false, true, 1232, 52),
                List.of(new Attempt("10.0.0.2:53", Transport.UDP, 4711, TIME + 1000, 300, AttemptOutcome.TIMEOUT),
                        new Attempt("10.0.0.3:53", Transport.UDP, 17, TIME + 2000, 450, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 68, false, new byte[] {4, (byte) 192, 0, 2, 1}), 812, Outcome.ANSWERED);
    }
}
