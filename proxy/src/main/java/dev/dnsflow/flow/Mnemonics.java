package dev.dnsflow.flow;

import java.util.function.IntFunction;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * DNS type, class and rcode names as flows show them ({@code AAAA}, {@code IN}, {@code NXDOMAIN}),
 * remembered for the common codes: every flow written as JSON needs three of them, and dnsjava's
 * lookup boxes and hashes each time.
 */
public final class Mnemonics {
    private static final int CACHED = 256;
    private static final String[] TYPES = table(Type::string);
    private static final String[] CLASSES = table(DClass::string);
    private static final String[] RCODES = table(Rcode::string);

    private Mnemonics() {
    }

    public static String type(int code) {
        return code >= 0 && code < CACHED ? TYPES[code] : Type.string(code);
    }

    public static String dclass(int code) {
        return code >= 0 && code < CACHED ? CLASSES[code] : DClass.string(code);
    }

    public static String rcode(int code) {
        return code >= 0 && code < CACHED ? RCODES[code] : Rcode.string(code);
    }

    private static String[] table(IntFunction<String> name) {
        String[] names = new String[CACHED];
        for (int i = 0; i < CACHED; i++) {
            names[i] = name.apply(i);
        }
        return names;
    }
}
