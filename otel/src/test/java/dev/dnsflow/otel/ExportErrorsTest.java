package dev.dnsflow.otel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The reason label, and the retry predicate that keeps why each attempt failed. */
class ExportErrorsTest {
    /** How OkHttp reports an export its call timeout ended: "timeout", caused by "Canceled". */
    private static final IOException TIMED_OUT = (IOException) new InterruptedIOException("timeout")
            .initCause(new IOException("Canceled"));

    @Test
    void retriesWhatTheSdksOwnPredicateRetriesAndNothingElse() {
        ExportErrors.Attempts attempts = new ExportErrors.Attempts();

        assertThat(attempts.test(new SocketTimeoutException("read timed out"))).isTrue();
        assertThat(attempts.test(new ConnectException("Connection refused"))).isTrue();
        assertThat(attempts.test(new UnknownHostException("otel-collector"))).isTrue();
        assertThat(attempts.test(new SocketException("Connection reset"))).isTrue();
        assertThat(attempts.test(new IOException("Canceled"))).isFalse();
        assertThat(attempts.test(new java.io.EOFException("unexpected end of stream"))).isFalse();
    }

    @Test
    void aTimeoutAfterRefusedOrResetAttemptsIsAConnectionFailure() {
        ExportErrors.Attempts attempts = new ExportErrors.Attempts();
        attempts.test(new ConnectException("Failed to connect to /127.0.0.1:4318"));
        attempts.test(new IOException("Canceled")); // the call timeout ending the last wait: not kept

        assertThat(ExportErrors.reason(TIMED_OUT, attempts.last())).isEqualTo(ExportErrors.CONNECTION);
        assertThat(ExportErrors.reason(TIMED_OUT, new SocketException("Connection reset")))
                .isEqualTo(ExportErrors.CONNECTION);
        assertThat(ExportErrors.reason(TIMED_OUT, new NoRouteToHostException("No route to host")))
                .isEqualTo(ExportErrors.CONNECTION);
    }

    @Test
    void aCollectorThatAcceptsAndDoesNotAnswerIsATimeout() {
        ExportErrors.Attempts attempts = new ExportErrors.Attempts();
        attempts.test(new SocketException("Socket closed")); // how the call timeout ends a read: not kept

        assertThat(attempts.last()).isNull();
        assertThat(ExportErrors.reason(TIMED_OUT, attempts.last())).isEqualTo(ExportErrors.TIMEOUT);
        assertThat(ExportErrors.reason(TIMED_OUT, new SocketTimeoutException("connect timed out")))
                .isEqualTo(ExportErrors.TIMEOUT);
    }

    @Test
    void resetForgetsThePreviousExportsAttempts() {
        ExportErrors.Attempts attempts = new ExportErrors.Attempts();
        attempts.test(new ConnectException("Connection refused"));
        attempts.reset();

        assertThat(ExportErrors.reason(TIMED_OUT, attempts.last())).isEqualTo(ExportErrors.TIMEOUT);
    }

    @Test
    void anythingButATimeoutKeepsItsOwnReason() {
        assertThat(ExportErrors.reason(new ConnectException("Connection refused"), null)).isEqualTo(ExportErrors.CONNECTION);
        assertThat(ExportErrors.reason(new IllegalStateException("?"), new ConnectException("refused")))
                .isEqualTo(ExportErrors.UNKNOWN);
    }
}
