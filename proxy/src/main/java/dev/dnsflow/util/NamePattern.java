package dev.dnsflow.util;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A name to match, as operators write it everywhere in dnsflow: {@code example.com} (exactly, trailing
 * dot optional, any case), {@code *.example.com} (any name under it, not the name itself), or
 * {@code ~regex} (a case-insensitive search in the presentation form, e.g. {@code ~^api\.}).
 *
 * <p>Regular expressions use RE2 syntax and match in time linear in the name, whatever the pattern:
 * these patterns come from API callers and chaos rules and run on the recorder thread and the event
 * loops, where a backtracking matcher fed {@code ((a+)+)+b} would spin forever. RE2 has no
 * backreferences or lookaround; such a pattern is rejected with a message saying so.
 */
public final class NamePattern implements Predicate<String> {
    /** Longer patterns are refused: compiling one is work done for whoever sends it. */
    static final int MAX_REGEX_LENGTH = 1000;

    private final String text;
    private final Predicate<String> test;

    private NamePattern(String text, Predicate<String> test) {
        this.text = text;
        this.test = test;
    }

    /** @throws IllegalArgumentException saying what is wrong with the pattern */
    public static NamePattern parse(String text) {
        String value = text.trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty name");
        }
        if (value.startsWith("~")) {
            return regex(value);
        }
        String fqdn = value.toLowerCase(Locale.ROOT);
        String absolute = fqdn.endsWith(".") ? fqdn : fqdn + ".";
        if (absolute.startsWith("*.")) {
            String suffix = absolute.substring(1);
            return new NamePattern(value, name -> name.length() > suffix.length() && name.toLowerCase(Locale.ROOT).endsWith(suffix));
        }
        return new NamePattern(value, absolute::equalsIgnoreCase);
    }

    private static NamePattern regex(String value) {
        String regex = value.substring(1);
        if (regex.length() > MAX_REGEX_LENGTH) {
            throw new IllegalArgumentException("regular expression longer than " + MAX_REGEX_LENGTH + " characters");
        }
        try {
            Pattern p = Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
            return new NamePattern(value, name -> p.matcher(name).find());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regular expression '" + regex + "': " + e.getDescription()
                    + " (RE2 syntax: no backreferences or lookaround)");
        }
    }

    /** @param name a presentation-form name such as {@code example.com.}; null never matches */
    @Override
    public boolean test(String name) {
        return name != null && test.test(name);
    }

    @Override
    public String toString() {
        return text;
    }
}
