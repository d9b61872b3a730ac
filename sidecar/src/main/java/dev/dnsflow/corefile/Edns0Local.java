package dev.dnsflow.corefile;

import dev.dnsflow.corefile.Corefile.Directive;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code rewrite [continue|stop] edns0 local set|append|replace CODE DATA}. */
record Edns0Local(int code, String data) {

    /** The rule {@code rewrite} makes, or null if it is not an EDNS0 local option rule with a valid code. */
    static Edns0Local of(Directive rewrite) {
        List<String> a = rewrite.argTexts();
        int i = 0;
        if (!a.isEmpty() && (a.get(0).equalsIgnoreCase("continue") || a.get(0).equalsIgnoreCase("stop"))) {
            i++;
        }
        if (a.size() != i + 5 || !a.get(i).equalsIgnoreCase("edns0") || !a.get(i + 1).equalsIgnoreCase("local")
                || !Set.of("set", "append", "replace").contains(a.get(i + 2).toLowerCase(Locale.ROOT))) {
            return null;
        }
        Integer code = goUint16(a.get(i + 3));
        return code == null ? null : new Edns0Local(code, a.get(i + 4));
    }

    /** An unsigned 16-bit number as Go's {@code strconv.ParseUint(s, 0, 16)} reads it (CoreDNS's rewrite does). */
    static Integer goUint16(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        int radix = 10;
        if (s.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
        } else if (s.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
        } else if (s.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        if (radix != 10) {
            s = s.replace("_", "");
        }
        if (s.isEmpty() || s.startsWith("+") || s.startsWith("-")) {
            return null;
        }
        try {
            int v = Integer.parseInt(s, radix);
            return v <= 65535 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
