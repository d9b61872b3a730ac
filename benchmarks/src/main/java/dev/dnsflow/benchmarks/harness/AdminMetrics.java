package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Reads a dnsflow's {@code /metrics} (its admin API) and waits for a sample to say what a setup needs. */
final class AdminMetrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AdminMetrics() {
    }

    /**
     * The value of the first sample of {@code metric} whose labels contain {@code label} (e.g.
     * {@code resource="pods"}), from Prometheus text; NaN when there is none.
     */
    static double value(String exposition, String metric, String label) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(metric + "{") && line.contains(label)) {
                int end = line.lastIndexOf('}');
                String rest = line.substring(end + 1).strip();
                int space = rest.indexOf(' ');
                return Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
            }
        }
        return Double.NaN;
    }

    /** The sum of every sample of {@code metric}, with labels or without (NaN when there is none). */
    static double sum(String exposition, String metric) {
        double sum = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            String rest;
            if (line.startsWith(metric + "{")) {
                rest = line.substring(line.lastIndexOf('}') + 1).strip();
            } else if (line.startsWith(metric + " ")) {
                rest = line.substring(metric.length()).strip();
            } else {
                continue;
            }
            int space = rest.indexOf(' ');
            sum += Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
            found = true;
        }
        return found ? sum : Double.NaN;
    }

    /** {@code http://127.0.0.1:port/metrics}'s body, or null when it does not answer 200. */
    static String fetch(int port) {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** dnsflow's cache counters: {@code dnsflow_cache_hits_total} (every kind) and {@code dnsflow_cache_misses_total}. */
    static long[] cacheCounters(String exposition) {
        if (exposition == null) {
            return null;
        }
        double hits = sum(exposition, "dnsflow_cache_hits_total");
        double misses = sum(exposition, "dnsflow_cache_misses_total");
        return Double.isNaN(hits) || Double.isNaN(misses) ? null : new long[] {(long) hits, (long) misses};
    }

    /**
     * Polls {@code http://127.0.0.1:port/metrics} until {@code metric{..label..}} satisfies {@code ok}, the
     * process exits, or the timeout passes (then throws, saying what was last seen).
     */
    static void await(int port, String metric, String label, Predicate<Double> ok, long timeoutMs, ChildProcess process)
            throws InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        double last = Double.NaN;
        String problem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process + " exited:\n" + process.tail(30));
            }
            try {
                HttpResponse<String> r = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
                last = value(r.body(), metric, label);
                if (r.statusCode() == 200 && !Double.isNaN(last) && ok.test(last)) {
                    return;
                }
                problem = "HTTP " + r.statusCode();
            } catch (IOException e) {
                problem = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(process + ": " + metric + "{" + label + "} still " + last + " (" + problem
                + ") after " + timeoutMs + " ms:\n" + process.tail(30));
    }
}
