package dev.dnsflow.k8s.install;

/** Install, uninstall or status cannot go on; the message says why and what to do, in one or a few lines. */
public final class InstallException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public InstallException(String message) {
        super(message);
    }

    public InstallException(String message, Throwable cause) {
        super(message, cause);
    }
}
