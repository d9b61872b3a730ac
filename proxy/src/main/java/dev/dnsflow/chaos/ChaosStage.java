package dev.dnsflow.chaos;

import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.Outcome;
import dev.dnsflow.pipeline.Exchange;
import dev.dnsflow.pipeline.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
        exchange.markChaos(new ChaosMark(rule.name(), rule.action().text(), delay / 1000));
        switch (rule.action()) {
            case DROP -> exchange.dropRecorded("chaos", Outcome.CHAOS_DROP);
            case RCODE -> exchange.respondError(rule.rcode(), Outcome.CHAOS_RCODE);
            case TRUNCATE -> exchange.respondTruncated(Outcome.CHAOS_TRUNCATE);
            case DELAY -> exchange.loop().eventLoop().schedule(() -> {
                if (!exchange.isDone()) { // shutdown may have answered it meanwhile
                    next.serve(exchange);
                    exchange.loop().flusher().flush();
                }
            }, delay, TimeUnit.NANOSECONDS);
            case DELAY_RESPONSE -> {
                exchange.delayResponse(delay);
                next.serve(exchange);
            }
            case UPSTREAM_DROP -> {
                exchange.discardAnswers();
                next.serve(exchange);
            }
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
