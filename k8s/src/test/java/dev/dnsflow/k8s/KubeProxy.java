package dev.dnsflow.k8s;

import dev.dnsflow.metrics.ProxyMetrics;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A dnsflow proxy with the {@code k8s} plugin in front of a scripted upstream that answers every A query
 * with 192.0.2.1: the plugin's notices are kept, its metrics readable, and DNS asked through a real socket.
 */
final class KubeProxy implements AutoCloseable {
    static final String ANSWER = "192.0.2.1";

    private final ScriptedUpstream upstream;
    private final ProxyMetrics metrics = ProxyMetrics.prometheus();
    private final List<String> notices = new CopyOnWriteArrayList<>();
    private KubernetesPlugin plugin;
    private DnsProxy proxy;

    private KubeProxy() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, ANSWER)));
    }

    /**
     * @param env   the environment the plugin sees
     * @param flags the plugin's flags, name then value: {@code "--kubernetes", "on", ...}
     * @throws IllegalStateException when the proxy refuses to start (everything started is closed)
     */
    static KubeProxy start(Map<String, String> env, String... flags) throws Exception {
        KubeProxy p = new KubeProxy();
        try {
            Map<String, String> given = new java.util.HashMap<>();
            for (int i = 0; i < flags.length; i += 2) {
                given.put(flags[i], flags[i + 1]);
            }
            ProxyConfig config = ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(p.upstream.address()))
                    .eventLoops(1).flags(Flags.of(given)).build();
            p.plugin = new KubernetesPlugin(env, p.notices::add);
            p.proxy = DnsProxy.start(config, p.metrics, List.of(p.plugin));
            return p;
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
    }

    /** auto's background check of the API, done once its notice (if any) is out; null in other modes. */
    String checked() throws Exception {
        return plugin.check() == null ? null : plugin.check().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    List<String> notices() {
        return notices;
    }

    /** Waits up to {@code millis} for a first notice, then a little more for any second one; returns them all. */
    List<String> awaitNotices(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (notices.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        return List.copyOf(notices);
    }

    /** Asks for an A record over UDP; the answer's latency in nanoseconds, or -1 when it was lost or wrong. */
    long ask(String name) {
        Message query = Wire.query(name, Type.A);
        long start = System.nanoTime();
        Message answer = DnsClient.udp(proxy.address(), query.toWire(), 2000);
        long took = System.nanoTime() - start;
        boolean right = answer != null && answer.getRcode() == Rcode.NOERROR
                && answer.getSection(Section.ANSWER).stream().anyMatch(r -> r.rdataToString().equals(ANSWER));
        return right ? took : -1;
    }

    /**
     * Asks one query after another for {@code load}, and at least {@code count} times; the latencies in
     * nanoseconds, sorted, -1 for every lost or wrong answer first.
     */
    long[] askFor(java.time.Duration load, int count) {
        long until = System.nanoTime() + load.toNanos();
        List<Long> took = new ArrayList<>();
        while (took.size() < count || System.nanoTime() < until) {
            took.add(ask("q" + took.size() + ".example.com."));
        }
        long[] sorted = took.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted;
    }

    static long median(long[] sorted) {
        return sorted[sorted.length / 2];
    }

    static long lost(long[] sorted) {
        return Arrays.stream(sorted).filter(t -> t < 0).count();
    }

    /** True once every watched resource is listed. */
    boolean allSynced() {
        return metrics.registry().find("dnsflow.kubernetes.synced").gauges().stream()
                .mapToDouble(Gauge::value).filter(v -> v == 1).count() == FakeApiServer.Resource.values().length;
    }

    /** {@code dnsflow.kubernetes.watch.errors{resource,reason}}, 0 when never counted. */
    double watchErrors(String resource, String reason) {
        Counter c = metrics.registry().find("dnsflow.kubernetes.watch.errors").tag("resource", resource)
                .tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** {@code dnsflow.kubernetes.watch.opens{resource}}, 0 when never counted. */
    double watchOpens(String resource) {
        Counter c = metrics.registry().find("dnsflow.kubernetes.watch.opens").tag("resource", resource).counter();
        return c == null ? 0 : c.count();
    }

    /** Every watch error counted so far, as {@code resource/reason=count}. */
    List<String> watchErrors() {
        List<String> all = new ArrayList<>();
        for (Counter c : metrics.registry().find("dnsflow.kubernetes.watch.errors").counters()) {
            all.add(c.getId().getTag("resource") + "/" + c.getId().getTag("reason") + "=" + (long) c.count());
        }
        return all;
    }

    /** {@code dnsflow.kubernetes.synced{resource}}, or -1 when the gauge does not exist (the watch never started). */
    double synced(String resource) {
        Gauge g = metrics.registry().find("dnsflow.kubernetes.synced").tag("resource", resource).gauge();
        return g == null ? -1 : g.value();
    }

    String scrape() {
        return metrics.scrape();
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }
}
