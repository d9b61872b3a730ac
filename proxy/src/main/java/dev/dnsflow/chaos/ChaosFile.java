package dev.dnsflow.chaos;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code --chaos FILE}: rules from a YAML file ({@code rules: [...]}), reloaded when it changes — a
 * mounted ConfigMap included (its files are swapped through symlinks, so the content is compared, not
 * just the modification time). A file with an error is rejected whole, with the rule's position and the
 * field; the running rules stay as they were.
 */
public final class ChaosFile implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChaosFile.class.getName());
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path path;
    private final ChaosRules rules;
    private final Clock clock;
    private final ScheduledExecutorService watcher;
    private volatile String lastContent;
    private volatile String lastError;

    /** Loads the file now (failing loudly: it is a start-up error) and watches it for changes. */
    public ChaosFile(Path path, ChaosRules rules, Clock clock, long pollMillis) {
        this.path = path;
        this.rules = rules;
        this.clock = clock;
        String content = read();
        rules.replaceSource("file", parse(content, path.toString(), clock));
        lastContent = content;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dnsflow-chaos-file");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
    }

    /** The rules in a YAML (or JSON) document; errors name the rule, its line and the field. */
    public static List<ChaosRule> parse(String content, String origin, Clock clock) {
        List<ChaosRule> out = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(content)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return out; // an empty file: no rules
            }
            if (first != JsonToken.START_OBJECT) {
                throw new RuleException(origin + ": expected 'rules:' at the top (line " + p.currentLocation().getLineNr() + ")");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("rules")) {
                    throw new RuleException(origin + " line " + p.currentLocation().getLineNr() + ": unknown key '" + field
                            + "' (the file holds 'rules:')");
                }
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw new RuleException(origin + " line " + p.currentLocation().getLineNr() + ": rules: must be a list");
                }
                int index = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    int line = p.currentLocation().getLineNr();
                    JsonNode node = YAML.readTree(p);
                    out.add(RuleParser.fromJson(node, origin + " rules[" + index + "] (line " + line + ")", "file-" + (index + 1), "file",
                            clock.instant()));
                    index++;
                }
            }
        } catch (JsonProcessingException e) {
            throw new RuleException(origin + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new RuleException(origin + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    /** The last reload's error, or null if the running rules match the file. */
    public String lastError() {
        return lastError;
    }

    void reloadIfChanged() {
        try {
            String content = read();
            if (content.equals(lastContent)) {
                return;
            }
            lastContent = content;
            List<ChaosRule> next = parse(content, path.toString(), clock);
            int before = rules.replaceSource("file", next);
            lastError = null;
            if (next.isEmpty() && before > 0) {
                // applied all the same: emptying the file is how chaos is switched off, but it may be a mistake
                LOG.warning("chaos file " + path + " now holds no rules: dropped all " + before + " rule"
                        + (before == 1 ? "" : "s") + " it had installed");
            } else {
                LOG.info("chaos rules reloaded from " + path + ": " + next.size() + " rule" + (next.size() == 1 ? "" : "s"));
            }
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            LOG.log(Level.WARNING, "chaos file not applied, the running rules stay: " + e.getMessage());
        }
    }

    private String read() {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new RuleException("--chaos " + path + ": cannot read: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
