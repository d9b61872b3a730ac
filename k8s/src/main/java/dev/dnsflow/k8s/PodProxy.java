package dev.dnsflow.k8s;

import dev.dnsflow.k8s.DnsflowInstances.Instance;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * HTTP GETs to a pod's port through the API server's pod proxy
 * ({@code /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH}), with the client's credentials: a whole answer,
 * or a body read as it arrives (for streams that never end).
 */
public final class PodProxy {
    /** A whole answer: status, body, and one header's value (or null). */
    public record Answer(int status, String body, String header) {
    }

    /** A streamed answer: its status; the body is read as it arrives, and closing it cancels the request. */
    public record Stream(int status, InputStream body) {
    }

    private final KubernetesClient client;
    private final HttpClient http;

    public PodProxy(KubernetesClient client) {
        this.client = client;
        this.http = client.getHttpClient();
    }

    /** The URL of {@code pathAndQuery} (starting with /) on the instance's admin port. */
    public String url(Instance instance, String pathAndQuery) {
        String master = client.getConfiguration().getMasterUrl();
        while (master.endsWith("/")) {
            master = master.substring(0, master.length() - 1);
        }
        return master + "/api/v1/namespaces/" + instance.namespace() + "/pods/" + instance.pod() + ":" + instance.adminPort()
                + "/proxy" + pathAndQuery;
    }

    /** GETs the whole answer; the future fails with the connection's exception. */
    public CompletableFuture<Answer> get(Instance instance, String pathAndQuery, String header, Duration timeout) {
        HttpRequest request = http.newHttpRequestBuilder().uri(url(instance, pathAndQuery))
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).build();
        return http.sendAsync(request, String.class)
                .thenApply(r -> new Answer(r.code(), Optional.ofNullable(r.body()).orElse(""), r.header(header)));
    }

    /** GETs a stream: completes once the status is in; the body then arrives as the pod sends it. */
    public CompletableFuture<Stream> stream(Instance instance, String pathAndQuery, String accept) {
        HttpRequest request = http.newHttpRequestBuilder().uri(url(instance, pathAndQuery)).header("Accept", accept)
                .forStreaming().build();
        BodyStream body = new BodyStream();
        return http.consumeBytes(request, body::accept).thenApply((HttpResponse<AsyncBody> r) -> {
            body.attach(r.body());
            return new Stream(r.code(), body);
        });
    }

    /**
     * The body as an InputStream: each read that finds nothing buffered asks the connection for the next
     * chunk and waits, so the pod is read no faster than the caller reads (the connection's backpressure).
     */
    private static final class BodyStream extends InputStream {
        private static final ByteBuffer END = ByteBuffer.allocate(0);
        private final BlockingQueue<ByteBuffer> chunks = new LinkedBlockingQueue<>();
        private volatile AsyncBody body;
        private ByteBuffer current = ByteBuffer.allocate(0);
        private boolean ended;

        void accept(List<ByteBuffer> buffers, AsyncBody ignored) {
            int size = buffers.stream().mapToInt(ByteBuffer::remaining).sum();
            ByteBuffer copy = ByteBuffer.allocate(size);
            buffers.forEach(copy::put);
            chunks.add(copy.flip());
        }

        void attach(AsyncBody asyncBody) {
            this.body = asyncBody;
            asyncBody.done().whenComplete((ok, failed) -> chunks.add(END));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!current.hasRemaining()) {
                if (ended) {
                    return -1;
                }
                ByteBuffer next = chunks.poll();
                if (next == null) {
                    body.consume();
                    try {
                        next = chunks.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
                if (next == END) {
                    ended = true;
                    return -1;
                }
                current = next;
            }
            int n = Math.min(len, current.remaining());
            current.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            ended = true;
            if (body != null) {
                body.cancel();
            }
        }
    }

}
