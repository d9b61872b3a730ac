package dev.dnsflow.pipeline;

import dev.dnsflow.flow.Outcome;
import dev.dnsflow.wire.Responses;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The stages in order, linked once at start, both ways: a query goes in through every stage until
 * one answers; the answer goes back through the stages before that one which act on answers, last
 * first, and then to the client. A stage that throws, or a chain that ends without an answer, gets
 * SERVFAIL: no input may escape the pipeline unanswered and unreleased. Linking allocates nothing
 * per query: each exchange only remembers how deep it went.
 */
public final class Pipeline {
    private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

    private final List<Stage> stages;
    private final Stage.Next head;
    /** Where an answer given at depth i goes first: the nearest earlier stage acting on answers, else the client. */
    private final Stage.Back[] backFrom;

    public Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
        int n = this.stages.size();
        backFrom = new Stage.Back[n + 1];
        Stage.Back below = (exchange, response, outcome) -> exchange.send(response, outcome);
        for (int i = 0; i <= n; i++) {
            backFrom[i] = below;
            if (i < n && actsOnAnswers(this.stages.get(i))) {
                below = new Back(this.stages.get(i), below);
            }
        }
        Stage.Next next = new End(n);
        for (int i = n - 1; i >= 0; i--) {
            next = new In(i, this.stages.get(i), next);
        }
        this.head = next;
    }

    public List<Stage> stages() {
        return stages;
    }

    public void serve(Exchange exchange) {
        exchange.pipeline = this;
        try {
            head.serve(exchange);
        } catch (RuntimeException e) {
            failed(exchange, e);
        }
    }

    /** The answer given at the exchange's depth, on its way back (from {@link Exchange#respond}). */
    void answer(Exchange exchange, ByteBuf response, Outcome outcome) {
        try {
            backFrom[exchange.depth].answer(exchange, response, outcome);
        } catch (RuntimeException e) {
            if (exchange.answeringNow() && response.refCnt() > 0) {
                response.release(); // neither sent nor held for later: the failed stage dropped it
            }
            failed(exchange, e);
        }
    }

    /** Runs deferred work (a delayed stage, a held answer) under the same guard as the chain itself. */
    void guard(Exchange exchange, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            failed(exchange, e);
        }
    }

    private static void failed(Exchange exchange, RuntimeException e) {
        LOG.log(Level.WARNING, "stage failed; answering SERVFAIL", e);
        exchange.failed();
    }

    /** Whether the stage overrides {@link Stage#answer}: those that do not are left off the way back. */
    private static boolean actsOnAnswers(Stage stage) {
        try {
            return stage.getClass().getMethod("answer", Exchange.class, ByteBuf.class, Outcome.class, Stage.Back.class)
                    .getDeclaringClass() != Stage.class;
        } catch (NoSuchMethodException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** One stage on the way in; it records how deep the exchange went, so its answer knows where to go back. */
    private record In(int depth, Stage stage, Stage.Next next) implements Stage.Next {
        @Override
        public void serve(Exchange exchange) {
            exchange.depth = depth;
            stage.serve(exchange, next);
        }
    }

    /** Past the last stage: nobody answered. */
    private record End(int depth) implements Stage.Next {
        @Override
        public void serve(Exchange exchange) {
            exchange.depth = depth;
            exchange.respondError(Responses.SERVFAIL, Outcome.SERVFAIL);
        }
    }

    /** One stage on the way back. */
    private record Back(Stage stage, Stage.Back below) implements Stage.Back {
        @Override
        public void answer(Exchange exchange, ByteBuf response, Outcome outcome) {
            stage.answer(exchange, response, outcome, below);
        }
    }
}
