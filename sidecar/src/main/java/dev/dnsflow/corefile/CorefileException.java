package dev.dnsflow.corefile;

/** A Corefile that cannot be read or patched; the message names the file and, where there is one, the line. */
public final class CorefileException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CorefileException(String message) {
        super(message);
    }
}
