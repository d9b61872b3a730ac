package dev.dnsflow.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.dnsflow.admin.AdminServer;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;

/**
 * {@code /api/v1/chaos[/NAME]}: GET lists the running rules (or one); PUT adds or replaces one rule,
 * given as a JSON object in the rule shape; DELETE removes one, or all without a name. Changes need
 * the admin token; a rule with an error is rejected whole (400 naming the field) and the running set
 * stays.
 */
public final class ChaosApi {
    public static final String PREFIX = "/api/v1/chaos";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChaosRules rules;
    private final Clock clock;

    public ChaosApi(ChaosRules rules, Clock clock) {
        this.rules = rules;
        this.clock = clock;
    }

    /** @param mayChange checks the token and answers 401/403 itself when it says no */
    public void handle(HttpExchange exchange, Gate mayChange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals(PREFIX + "/")) {
            // An empty name (a script's unset $NAME) must not mean "all rules".
            throw new IllegalArgumentException("no rule name after " + PREFIX + "/ (use " + PREFIX + " without the slash "
                    + "to list or remove all rules)");
        }
        String name = path.length() > PREFIX.length() + 1 ? path.substring(PREFIX.length() + 1) : null;
        switch (exchange.getRequestMethod()) {
            case "GET", "HEAD" -> get(exchange, name);
            case "PUT" -> {
                if (name == null) {
                    throw new IllegalArgumentException("PUT needs a rule name: PUT " + PREFIX + "/NAME");
                }
                if (mayChange.permits(exchange)) {
                    put(exchange, name);
                }
            }
            default -> {
                if (mayChange.permits(exchange)) {
                    delete(exchange, name);
                }
            }
        }
    }

    /** The token check, as the admin server provides it. */
    @FunctionalInterface
    public interface Gate {
        boolean permits(HttpExchange exchange) throws IOException;
    }

    private void get(HttpExchange exchange, String name) throws IOException {
        rules.expire();
        if (name == null) {
            json(exchange, 200, Map.of("rules", rules.describe()));
            return;
        }
        ChaosRule rule = rules.get(name);
        if (rule == null) {
            AdminServer.respond(exchange, 404, "text/plain", "no chaos rule named " + name + "\n");
            return;
        }
        json(exchange, 200, rule.describe(clock.instant()));
    }

    private void put(HttpExchange exchange, String name) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (body != null && body.hasNonNull("name") && !name.equals(body.get("name").asText())) {
            throw new IllegalArgumentException("name: the body says '" + body.get("name").asText() + "' but the path says '"
                    + name + "'");
        }
        ChaosRule rule = ChaosRule.fromJson(body, "rule " + name, name, "api", clock.instant());
        boolean replaced = rules.put(rule);
        json(exchange, replaced ? 200 : 201, rule.describe(clock.instant()));
    }

    private void delete(HttpExchange exchange, String name) throws IOException {
        if (name == null) {
            int n = rules.clear();
            AdminServer.respond(exchange, 200, "text/plain", "removed " + n + " chaos rule(s)\n");
            return;
        }
        if (!rules.remove(name)) {
            AdminServer.respond(exchange, 404, "text/plain", "no chaos rule named " + name + "\n");
            return;
        }
        AdminServer.respond(exchange, 200, "text/plain", "removed chaos rule " + name + "\n");
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        AdminServer.respond(exchange, status, "application/json", JSON.writeValueAsString(body) + "\n");
    }
}
