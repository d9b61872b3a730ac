package dev.dnsflow.admin;

import java.net.URI;
import java.net.URISyntaxException;

/** The request target of an admin request, read as the client meant it. */
final class RequestTarget {
    private RequestTarget() {
    }

/**
 * The request target as a {@link URI}, with what {@code java.net.URI} would reject percent-encoded
 * ({@code |}, {@code {}}, {@code ^}, spaces, raw UTF-8, a {@code %} not followed by two hex digits,
 * ...), so that the query decodes to exactly what the client sent. Netty hands over the request
 * line one char per byte (ISO-8859-1).
 */
static URI parse(String raw) throws URISyntaxException {
    StringBuilder out = new StringBuilder(raw.length() + 16);
    for (int i = 0; i < raw.length(); i++) {
        char c = raw.charAt(i);
        boolean keep = c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0
                || (c == '%' && hex(raw, i + 1) && hex(raw, i + 2)));
        if (keep) {
            out.append(c);
        } else {
            out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
        }
    }
    return new URI(out.toString());
}

private static boolean hex(String s, int i) {
    return i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80;
}
}
