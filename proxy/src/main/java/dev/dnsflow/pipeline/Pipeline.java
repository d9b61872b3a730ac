package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.wire.Responses;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The stages in order, linked once at start. A stage that throws, or a chain that ends without an
 * answer, gets SERVFAIL: no input may escape the pipeline unanswered and unreleased.
 */
public final class Pipeline {
    private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

    private final Stage.Next head;
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
        Stage.Next next = exchange -> exchange.respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
        for (int i = stages.size() - 1; i >= 0; i--) {
            Stage stage = stages.get(i);
            Stage.Next rest = next;
            next = exchange -> stage.serve(exchange, rest);
        }
        this.head = next;
    }

    public List<Stage> stages() {
        return stages;
    }

    public void serve(Exchange exchange) {
        try {
            head.serve(exchange);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "stage failed; answering SERVFAIL", e);
            if (!exchange.isDone()) {
                exchange.respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
            }
        }
    }
}
