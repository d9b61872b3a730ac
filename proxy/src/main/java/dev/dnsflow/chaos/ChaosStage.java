package dev.dnsflow.chaos;

import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Injects faults (mirrors CoreDNS's {@code erratic}, with dnsdist-style rules): the first rule that
 * fires decides the query's fate, the flow records {@code "chaos": {"rule", "action"}}, and
 * {@code dnsflow_chaos_injected_total{rule,action}} counts it. Without rules this stage costs one
 * volatile read.
 */
public final class ChaosStage implements Stage {
    private final ChaosRules rules;
    private final MeterRegistry registry;
    private final Map<String, Counter> injected = new ConcurrentHashMap<>();

    public ChaosStage(ChaosRules rules, MeterRegistry registry) {
        this.rules = rules;
        this.registry = registry;
    }

    @Override
    public String name() {
        return "chaos";
    }

    @Override
    public void serve(Exchange exchange, Next next) {
        if (rules.isEmpty()) {
            next.serve(exchange);
            return;
        }
        ChaosRule rule = rules.pick(exchange.name(), exchange.parsed().qtype(), exchange.clientAddress(),
                exchange.transport());
        if (rule == null) {
            next.serve(exchange);
            return;
        }
        count(rule);
        long delay = rule.delayNanos();
        exchange.facts().markChaos(new ChaosMark(rule.name(), rule.action().text(), delay / 1000));
        switch (rule.action()) {
            case DROP -> exchange.dropRecorded("chaos", Outcome.CHAOS_DROP);
            case RCODE -> exchange.respondError(rule.rcode(), Outcome.CHAOS_RCODE);
            case TRUNCATE -> exchange.respondTruncated(Outcome.CHAOS_TRUNCATE);
            case DELAY -> next.serveAfter(exchange, delay);
            case DELAY_RESPONSE, UPSTREAM_DROP -> next.serve(exchange); // acted on in answer()
        }
    }

    /** The answer of a query a rule marked on the way in: held back (delay-response) or lost (upstream-drop). */
    @Override
    public void answer(Exchange exchange, ByteBuf response, Outcome outcome, Back back) {
        ChaosMark mark = exchange.facts().chaos();
        if (mark == null) {
            back.answer(exchange, response, outcome);
        } else if (mark.action().equals(ChaosAction.DELAY_RESPONSE.text())) {
            back.answerAfter(exchange, response, outcome, mark.delayMicros() * 1000);
        } else if (mark.action().equals(ChaosAction.UPSTREAM_DROP.text()) && outcome == Outcome.ANSWERED) {
            response.release(); // the upstream answered; the client never hears of it
            exchange.dropRecorded("chaos", Outcome.CHAOS_UPSTREAM_DROP);
        } else {
            back.answer(exchange, response, outcome);
        }
    }

    private void count(ChaosRule rule) {
        String key = rule.name() + '\u0000' + rule.action().text();
        Counter c = injected.get(key);
        if (c == null) {
            c = injected.computeIfAbsent(key, k -> Counter.builder("dnsflow.chaos.injected").tag("rule", rule.name())
                    .tag("action", rule.action().text()).description("Queries a chaos rule acted on").register(registry));
        }
        c.increment();
    }
}
