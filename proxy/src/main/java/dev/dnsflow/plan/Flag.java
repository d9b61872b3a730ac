package dev.dnsflow.plan;

import java.util.Objects;
import java.util.function.Function;

/**
 * A command-line flag a {@link Plugin} declares, without depending on any command-line library: the
 * front end turns it into an option of every serving command and checks each value with {@link #parse}
 * when it is given, so a bad value is refused before anything starts.
 *
 * @param name         the flag, e.g. {@code --minimal-responses}
 * @param label        the value's placeholder in {@code --help} ({@code DURATION}); null for a switch
 * @param description  one or two sentences for {@code --help}, ending with the default
 * @param defaultValue the value when the flag is not given, as text
 * @param bareValue    the value when the flag is given without one ({@code --flag} for {@code --flag[=CAP]}),
 *                     as text; null when the value is required
 * @param parse        text to value; throws {@link IllegalArgumentException} saying what is wrong
 */
public record Flag<T>(String name, String label, String description, String defaultValue, String bareValue,
                      Function<String, T> parse) {

    public Flag {
        Objects.requireNonNull(name);
        Objects.requireNonNull(description);
        Objects.requireNonNull(defaultValue);
        Objects.requireNonNull(parse);
        if (!name.startsWith("--")) {
            throw new IllegalArgumentException("a flag starts with --: " + name);
        }
    }

    /** An on/off switch, off unless given. */
    public static Flag<Boolean> onOff(String name, String description) {
        return new Flag<>(name, null, description, "false", null, Boolean::parseBoolean);
    }

    /** A flag that takes a value. */
    public static <T> Flag<T> of(String name, String label, String description, String defaultValue,
                                 Function<String, T> parse) {
        return new Flag<>(name, Objects.requireNonNull(label), description, defaultValue, null, parse);
    }

    /** A flag whose value may be left out: {@code --flag} means {@code bareValue}, {@code --flag=V} means V. */
    public static <T> Flag<T> optionalValue(String name, String label, String description, String defaultValue,
                                            String bareValue, Function<String, T> parse) {
        return new Flag<>(name, Objects.requireNonNull(label), description, defaultValue, Objects.requireNonNull(bareValue),
                parse);
    }

    public boolean isSwitch() {
        return label == null;
    }

    /** The value of {@code text}, or an error that names this flag. */
    public T valueOf(String text) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }
}
