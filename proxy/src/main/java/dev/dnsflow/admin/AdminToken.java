package dev.dnsflow.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The bearer token that mutating admin endpoints require ({@code --admin-token-file}, or the
 * {@code DNSFLOW_ADMIN_TOKEN} environment variable). Without one configured, mutation is refused
 * outright: a chaos engine must not be switched on by whoever can reach the port.
 */
public final class AdminToken {
    public static final String ENV = "DNSFLOW_ADMIN_TOKEN";
    private final byte[] token;

    private AdminToken(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    public static AdminToken none() {
        return new AdminToken(null);
    }

    public static AdminToken of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the admin token is empty");
        }
        return new AdminToken(token.strip());
    }

    /** From the file if given, else the environment, else none; a missing file is an error. */
    public static AdminToken load(Path file) {
        return load(file, null);
    }

    /**
     * From the file if given, else the environment, else none.
     *
     * @param missing told why, when the file does not exist and there is then no token, or null to make a missing file
     *     an error. A pod mounts the token from an optional Secret: without the Secret the file is not there, and
     *     refusing changes (the safe side) beats a crash loop that takes DNS down with it.
     */
    public static AdminToken load(Path file, java.util.function.Consumer<String> missing) {
        if (file != null) {
            try {
                return of(Files.readString(file));
            } catch (java.nio.file.NoSuchFileException e) {
                if (missing == null) {
                    throw new IllegalArgumentException("--admin-token-file " + file + ": no such file");
                }
                missing.accept("--admin-token-file " + file + ": no such file (an optional Secret that is not there?); changes "
                        + "through the admin API are refused until dnsflow starts with a token");
                return none();
            } catch (IOException e) {
                throw new IllegalArgumentException("--admin-token-file " + file + ": cannot read: " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--admin-token-file " + file + ": the file is empty");
            }
        }
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? none() : of(env);
    }

    public boolean configured() {
        return token != null;
    }

    /** Answers 403/401 and returns false unless the request carries the token. */
    public boolean permits(HttpExchange exchange) throws IOException {
        if (token == null) {
            AdminServer.respond(exchange, 403, "text/plain", "changes are disabled: start dnsflow with --admin-token-file "
                    + "(or " + ENV + ") and send 'Authorization: Bearer TOKEN'\n");
            return false;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] given = credentials(header).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(token, given)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            AdminServer.respond(exchange, 401, "text/plain", "missing or wrong token: send 'Authorization: Bearer TOKEN'\n");
            return false;
        }
        return true;
    }

    /** The token of {@code Bearer TOKEN}; the scheme in any case (RFC 7235), or "" for anything else. */
    static String credentials(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer", 0, 6)
                || (header.charAt(6) != ' ' && header.charAt(6) != '\t')) {
            return "";
        }
        return header.substring(7).strip();
    }
}
