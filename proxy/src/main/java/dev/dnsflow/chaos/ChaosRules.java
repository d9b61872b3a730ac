package dev.dnsflow.chaos;

import dev.dnsflow.flow.Transport;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The running rule set, in order: rules from flags, then from the file, then those added through the
 * API; the first rule that fires wins. Readers (event loops) see an immutable snapshot through one
 * volatile read; writers (file reload, API) replace it whole, so a bad update never half-applies.
 */
public final class ChaosRules {
    private static final List<String> SOURCE_ORDER = List.of("flag", "file", "api");

    private final Clock clock;
    private volatile List<ChaosRule> rules = List.of();

    public ChaosRules(Clock clock) {
        this.clock = clock;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** The first rule that fires for this query, or null. Called on event loops. */
    ChaosRule pick(String qname, int qtype, InetAddress from, Transport via) {
        List<ChaosRule> snapshot = rules;
        if (snapshot.isEmpty()) {
            return null;
        }
        Instant now = clock.instant();
        for (ChaosRule r : snapshot) {
            if (r.fires(qname, qtype, from, via, now)) {
                return r;
            }
        }
        return null;
    }

    /** Installs the {@code --chaos-rule} flags, named {@code cli-1}, {@code cli-2}, … unless they say {@code rule=NAME}. */
    public void loadFlags(List<String> flags) {
        replaceSource("flag", parseFlags(flags, clock.instant()));
    }

    /** The {@code --chaos-rule} flags as rules, named as {@link #loadFlags} names them; errors name the flag. */
    public static List<ChaosRule> parseFlags(List<String> flags, Instant now) {
        List<ChaosRule> parsed = new ArrayList<>();
        for (int i = 0; i < flags.size(); i++) {
            parsed.add(RuleParser.fromFlag(flags.get(i), "cli-" + (i + 1), now));
        }
        return parsed;
    }

    /** Replaces every rule from {@code source} (e.g. a reloaded file) and keeps the rest; returns how many it removed. */
    public synchronized int replaceSource(String source, List<ChaosRule> replacement) {
        List<ChaosRule> next = new ArrayList<>();
        for (ChaosRule r : rules) {
            if (!r.source().equals(source)) {
                next.add(r);
            }
        }
        int removed = rules.size() - next.size();
        next.addAll(replacement);
        install(next);
        return removed;
    }

    /** Adds or replaces (in place) the rule with this name; returns whether it replaced one. */
    public synchronized boolean put(ChaosRule rule) {
        List<ChaosRule> next = new ArrayList<>(rules);
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).name().equals(rule.name())) {
                next.set(i, rule);
                install(next);
                return true;
            }
        }
        next.add(rule);
        install(next);
        return false;
    }

    public synchronized boolean remove(String name) {
        List<ChaosRule> next = new ArrayList<>(rules);
        boolean removed = next.removeIf(r -> r.name().equals(name));
        install(next);
        return removed;
    }

    /** Removes every rule; returns how many there were. */
    public synchronized int clear() {
        int n = rules.size();
        install(List.of());
        return n;
    }

    /** Drops rules whose {@code for:} ran out, so a forgotten experiment ends by itself. */
    public synchronized void expire() {
        Instant now = clock.instant();
        if (rules.stream().anyMatch(r -> r.expired(now))) {
            install(rules.stream().filter(r -> !r.expired(now)).toList());
        }
    }

    public List<ChaosRule> list() {
        return rules;
    }

    public List<Map<String, Object>> describe() {
        Instant now = clock.instant();
        return rules.stream().map(r -> r.describe(now)).toList();
    }

    public ChaosRule get(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    private void install(List<ChaosRule> next) {
        Set<String> names = new HashSet<>();
        for (ChaosRule r : next) {
            if (!names.add(r.name())) {
                throw new RuleException("rule name '" + r.name() + "' is used twice (" + r.source() + "); names must be unique");
            }
        }
        List<ChaosRule> ordered = new ArrayList<>(next);
        ordered.sort(Comparator.comparingInt(r -> SOURCE_ORDER.indexOf(r.source())));
        rules = List.copyOf(ordered);
    }

    static Predicate<ChaosRule> named(String name) {
        return r -> r.name().equals(name);
    }
}
