package dev.dnsflow.otel;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.Wire;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * A real proxy with the OTLP plugin, forwarding to a UDP upstream that answers at once, with its admin API on;
 * {@link #load} is a client that sends queries as fast as it gets answers, from a few sockets, and measures what it
 * got. For the fault tests: the collector misbehaves, DNS must not notice.
 */
final class UnderLoad implements AutoCloseable {
    /** Queries in flight at once: one per client socket. */
    static final int CLIENTS = 4;
    private static final int ANSWER_WAIT_MILLIS = 2000;

    /** What the client saw, and the largest OTLP queue length seen meanwhile. */
    record Result(long answered, long lost, double medianMillis, double qps, double maxQueue) {
        @Override
        public String toString() {
            return String.format("%d answered, %d lost, median %.3f ms, %.0f qps, otlp queue at most %.0f", answered, lost,
                    medianMillis, qps, maxQueue);
        }
    }

    private final Upstream upstream;
    private final DnsProxy proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private boolean closed;

    /** @param env the plugin's environment: OTEL_* variables (OTEL_EXPORTER_OTLP_TIMEOUT, …) */
    UnderLoad(String otlpEndpoint, Map<String, String> env) throws IOException {
        upstream = new Upstream();
        Map<String, String> flags = new HashMap<>();
        flags.put("--otlp-endpoint", otlpEndpoint);
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                        .eventLoops(1).admin(new InetSocketAddress("127.0.0.1", 0)).flags(Flags.of(flags)).build(),
                ProxyMetrics.prometheus(), List.of(new OtlpPlugin(env, notice -> { })));
    }

    DnsProxy proxy() {
        return proxy;
    }

    ProxyMetrics metrics() {
        return proxy.metrics();
    }

    double count(String name, String... tags) {
        return proxy.metrics().count(name, tags);
    }

    double queue() {
        Gauge g = proxy.metrics().registry().find("dnsflow.otlp.queue").gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Flows the recorder handed to the sinks: every answered query, less what the recorder itself dropped. */
    double flowsToSinks(long answered) {
        return answered - count("dnsflow.flows.dropped", "sink", "recorder");
    }

    /** The admin API's /metrics, as Prometheus scrapes it. */
    String scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + proxy.adminAddress().getPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/metrics: " + r.statusCode());
        }
        return r.body();
    }

    /** A sample's value in a scrape, e.g. {@code dnsflow_otlp_export_errors_total{reason="503"}}; NaN when absent. */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Sends queries for {@code duration} from {@link #CLIENTS} sockets, each as soon as the last one was answered. */
    Result load(Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        long[][] latencies = new long[CLIENTS][];
        int[] counts = new int[CLIENTS];
        AtomicLong lost = new AtomicLong();
        double[] maxQueue = {0};
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                byte[] buf = new byte[1500];
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    s.connect(proxy.address());
                    s.setSoTimeout(ANSWER_WAIT_MILLIS);
                    byte[] query = Wire.query("example.com.", Type.A, 0).toWire();
                    for (int id = 1; System.nanoTime() < end; id = (id + 1) & 0xFFFF) {
                        query[0] = (byte) (id >> 8);
                        query[1] = (byte) id;
                        long sent = System.nanoTime();
                        s.send(new DatagramPacket(query, query.length));
                        if (awaitAnswer(s, buf, id)) {
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, n * 2);
                            }
                            mine[n++] = System.nanoTime() - sent;
                        } else {
                            lost.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                latencies[client] = mine;
                counts[client] = n;
            }, "load-" + c);
            t.start();
            threads.add(t);
        }
        while (threads.stream().anyMatch(Thread::isAlive)) {
            maxQueue[0] = Math.max(maxQueue[0], queue());
            Thread.sleep(5);
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < CLIENTS; c++) {
            System.arraycopy(latencies[c], 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        double median = total == 0 ? Double.NaN : all[total / 2] / 1e6;
        return new Result(total, lost.get(), median, total / seconds, maxQueue[0]);
    }

    /** Whether the answer to {@code id} came within the wait; answers to earlier (given up) queries are skipped. */
    private static boolean awaitAnswer(DatagramSocket s, byte[] buf, int id) throws IOException {
        long deadline = System.nanoTime() + ANSWER_WAIT_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return false;
            }
            if (p.getLength() >= 2 && ((buf[0] & 0xFF) << 8 | (buf[1] & 0xFF)) == id) {
                return true;
            }
        }
        return false;
    }

    /** Stops the proxy (the OTLP sink flushes for at most its time), so the counters are final. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            proxy.close();
            upstream.close();
        }
    }

    /** Answers every UDP query at once with one A record, on one thread. */
    private static final class Upstream implements AutoCloseable {
        private final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        private final Thread thread = new Thread(this::serve, "upstream");

        Upstream() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void serve() {
            byte[] buf = new byte[1500];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    byte[] answer = Wire.answer(new Message(Arrays.copyOf(buf, p.getLength())), "192.0.2.1").toWire();
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException e) {
                    // closed, or a query dnsjava cannot read: no answer
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
