package dev.dnsflow.otel;

import io.opentelemetry.exporter.internal.FailedExportException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;

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

    private ExportErrors() {
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
