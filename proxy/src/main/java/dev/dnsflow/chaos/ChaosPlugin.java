package dev.dnsflow.chaos;

import dev.dnsflow.admin.AdminToken;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * {@code chaos}: fault injection. Rules come from {@code --chaos-rule} (parsed once, when the options
 * are read), from a watched YAML file and from {@code /api/v1/chaos}, whose changes need the admin token.
 */
public final class ChaosPlugin implements Plugin {
    private final Path file;
    private final List<ChaosRule> flagRules;
    private final AdminToken token;

    /** @param file YAML rules to watch, or null */
    public ChaosPlugin(Path file, List<ChaosRule> flagRules, AdminToken token) {
        this.file = file;
        this.flagRules = List.copyOf(flagRules);
        this.token = token;
    }

    @Override
    public String name() {
        return "chaos";
    }

    @Override
    public void setup(Plan plan) {
        Clock clock = Clock.systemUTC();
        ChaosRules rules = new ChaosRules(clock);
        rules.replaceSource("flag", flagRules.stream().map(ChaosRule::fresh).toList());
        plan.share(ChaosRules.class, rules);
        plan.stage(new ChaosStage(rules, plan.metrics().registry()));
        if (file != null) {
            plan.closeWhenStopped(new ChaosFile(file, rules, clock, 1000));
        }
        ChaosApi api = new ChaosApi(rules, clock);
        plan.routes(server -> server.route(ChaosApi.PREFIX, Set.of("GET", "HEAD", "PUT", "DELETE"),
                exchange -> api.handle(exchange, token::permits)));
    }
}
