package dev.dnsflow.util;

import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A name to match, as operators write it everywhere in dnsflow: {@code example.com} (exactly, trailing
 * dot optional, any case), {@code *.example.com} (any name under it, not the name itself), or
 * {@code ~regex} (a case-insensitive search in the presentation form, e.g. {@code ~^api\.}).
 */
public final class NamePattern implements Predicate<String> {
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
            try {
                Pattern p = Pattern.compile(value.substring(1), Pattern.CASE_INSENSITIVE);
                return new NamePattern(value, name -> p.matcher(name).find());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regular expression '" + value.substring(1) + "': " + e.getDescription());
            }
        }
        String fqdn = value.toLowerCase(Locale.ROOT);
        String absolute = fqdn.endsWith(".") ? fqdn : fqdn + ".";
        if (absolute.startsWith("*.")) {
            String suffix = absolute.substring(1);
            return new NamePattern(value, name -> name.length() > suffix.length() && name.toLowerCase(Locale.ROOT).endsWith(suffix));
        }
        return new NamePattern(value, absolute::equalsIgnoreCase);
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
