package dev.dnsflow.chaos;

/** A chaos rule (or rule file) that cannot be used; the message names where and which field. */
public final class RuleException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public RuleException(String message) {
        super(message);
    }
}
