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
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> given = new HashMap<>();
        for (Flag<?> flag : AppPlugins.flags()) {
            if (parsed != null && parsed.hasMatchedOption(flag.name())) {
                given.put(flag.name(), String.valueOf((Object) parsed.matchedOptionValue(flag.name(), null)));
            }
        }
        return Flags.of(given);
    }
}
