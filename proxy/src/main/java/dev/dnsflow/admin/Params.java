package dev.dnsflow.admin;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Query parameters of a request; a parameter given twice is an error rather than a silent pick. */
final class Params {
    private Params() {
    }

    static Map<String, String> of(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), key);
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException(key + ": given more than once (use a comma-separated list)");
            }
        }
        return out;
    }

    static int positive(Map<String, String> params, String key, int fallback, int max) {
        String value = params.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' must be a whole number from 1 to " + max);
        }
    }

    /** @param what the parameter's name, so that the 400 starts with it like every other */
    private static String decode(String s, String what) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": bad URL encoding in '" + s + "'");
        }
    }
}
