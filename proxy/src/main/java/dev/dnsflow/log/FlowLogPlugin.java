package dev.dnsflow.log;

import dev.dnsflow.flow.FlowSink;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** {@code log}: every flow as one JSON line, to stdout or to a file rotated by size ({@link JsonLinesSink}). */
public final class FlowLogPlugin implements Plugin {
    private final String destination;
    private final long maxBytes;
    private final int keep;

    /** @param destination "-" for stdout, else a file path; null for no flow log */
    public FlowLogPlugin(String destination, long maxBytes, int keep) {
        this.destination = destination;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void setup(Plan plan) {
        if (destination == null) {
            return;
        }
        LongConsumer lost = n -> plan.metrics().flowDropped("log", n);
        FlowSink sink = destination.equals("-") ? JsonLinesSink.stdout(lost)
                : JsonLinesSink.file(Path.of(destination), maxBytes, keep, lost);
        plan.sink(sink);
    }
}
