package dev.dnsflow.cli;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Flags;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The flags plugins declare for themselves ({@link AppPlugins#flags}), as options of a serving command:
 * listed in its {@code --help} after the built-in ones, each value checked by the plugin's own parser
 * when it is given, and handed back to the plugins as {@link Flags}.
 */
public final class PluginFlags implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
        for (Flag<?> flag : AppPlugins.flags()) {
            OptionSpec.Builder option = OptionSpec.builder(flag.name()).description(flag.description());
            if (flag.isSwitch()) {
                option.arity("0").type(boolean.class);
            } else {
                if (flag.bareValue() != null) {
                    option.arity("0..1").fallbackValue(flag.bareValue());
                }
                option.paramLabel(flag.label()).type(String.class).converters(text -> {
                    try {
                        flag.parse().apply(text);
                        return text;
                    } catch (IllegalArgumentException e) {
                        throw new CommandLine.TypeConversionException(e.getMessage());
                    }
                });
            }
            spec.addOption(option.build());
        }
        return spec;
    }

    /** The plugin flags given on this command line, as text. */
    static Flags given(CommandSpec spec) {
        return given(spec, Map.of());
    }

    /**
     * The plugin flags given on this command line, and for declared flags not given, the value in
     * {@code defaults} if it has one (a command's own defaults, e.g. nodelocal's cache on).
     */
    static Flags given(CommandSpec spec, Map<String, String> defaults) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> given = new HashMap<>();
        for (Flag<?> flag : AppPlugins.flags()) {
            if (parsed != null && parsed.hasMatchedOption(flag.name())) {
                given.put(flag.name(), String.valueOf((Object) parsed.matchedOptionValue(flag.name(), null)));
            } else if (defaults.containsKey(flag.name())) {
                flag.valueOf(defaults.get(flag.name())); // a bad default is a bug: fail naming the flag
                given.put(flag.name(), defaults.get(flag.name()));
            }
        }
        return Flags.of(given);
    }

    /** Whether a plugin declares {@code name} (a flag another engineer's plugin may not have added yet). */
    static boolean declared(String name) {
        return AppPlugins.flags().stream().anyMatch(f -> f.name().equals(name));
    }
}
