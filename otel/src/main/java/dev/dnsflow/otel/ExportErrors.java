package dev.dnsflow.otel;

import io.opentelemetry.exporter.internal.FailedExportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The {@code reason} label of {@code dnsflow_otlp_export_errors_total}: a bounded word for why an export failed.
 * The exporter reports its failure as a {@link FailedExportException} (HTTP: the status, gRPC: the status
 * code) or the I/O error under it.
 */
final class ExportErrors {
    /** The export did not finish within its time (the exporter's timeout, or ours around it). */
    static final String TIMEOUT = "timeout";
    /** No connection: refused, reset, no route, unknown host. */
    static final String CONNECTION = "connection";
    /** Failed without saying why. */
    static final String UNKNOWN = "unknown";

    /**
     * The reasons exported at 0 from the start: the statuses a collector answers when it is overloaded (503, 429)
     * or the batch too large (413), and the two ways of not reaching it; any other reason appears when it happens.
     */
    static final java.util.List<String> AT_ZERO = java.util.List.of("503", "429", "413", TIMEOUT, CONNECTION);

    private ExportErrors() {
    }

    /**
     * The reason of a failed export whose attempts failed with I/O errors, the last of them {@code lastAttempt} (null
     * when none did): an export the timeout ended while the exporter waited to retry a refused or reset connection
     * is a {@code connection} failure, not a {@code timeout} — the collector is down, not slow.
     */
    static String reason(Throwable failure, IOException lastAttempt) {
        String reason = reason(failure);
        if (TIMEOUT.equals(reason) && lastAttempt != null && !(lastAttempt instanceof InterruptedIOException)
                && CONNECTION.equals(reason(lastAttempt))) {
            return CONNECTION;
        }
        return reason;
    }

    /**
     * The exporter's retry predicate (as the SDK's own: retry a timeout and a refused, reset or unresolved connection),
     * keeping the last such failure, which the timeout that ends an export hides: OkHttp reports only "timeout".
     * One export runs at a time, so one field is enough; {@link #reset} before each export.
     */
    static final class Attempts implements Predicate<IOException> {
        private volatile IOException last;

        @Override
        public boolean test(IOException e) {
            boolean retryable = e instanceof SocketTimeoutException || e instanceof ConnectException
                    || e instanceof UnknownHostException || e instanceof SocketException;
            if (refusedOrReset(e)) {
                last = e;
            }
            return retryable;
        }

        /**
         * The collector's doing: refused, no route, unknown host, reset. Not a socket closed under a read, nor
         * OkHttp's "Canceled": that is how the call timeout ends an attempt, and the export is then a timeout.
         */
        private static boolean refusedOrReset(IOException e) {
            if (e instanceof ConnectException || e instanceof UnknownHostException
                    || e instanceof java.net.NoRouteToHostException) {
                return true;
            }
            String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            return e instanceof SocketException && (message.contains("reset") || message.contains("broken pipe"));
        }

        void reset() {
            last = null;
        }

        IOException last() {
            return last;
        }
    }

    /** {@code 503}, {@code 429}, {@code 413} for an HTTP status; {@code grpc_unavailable} for gRPC; else an I/O reason. */
    static String reason(Throwable failure) {
        if (failure instanceof FailedExportException.HttpExportException http && http.failedWithResponse()) {
            return Integer.toString(http.getResponse().getStatusCode());
        }
        if (failure instanceof FailedExportException.GrpcExportException grpc && grpc.failedWithResponse()) {
            return "grpc_" + grpc.getResponse().getStatusCode().name().toLowerCase(Locale.ROOT);
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedIOException) { // OkHttp's call timeout, a socket read timeout
                return TIMEOUT;
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof java.net.SocketException || t instanceof java.io.EOFException) {
                return CONNECTION;
            }
        }
        return failure instanceof java.io.IOException || failure != null && failure.getCause() instanceof java.io.IOException
                ? CONNECTION : UNKNOWN;
    }
}
