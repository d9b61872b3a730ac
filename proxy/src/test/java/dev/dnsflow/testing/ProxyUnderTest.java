package dev.dnsflow.testing;

import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The usual stage for a one-proxy test: a scripted upstream answering every A query with 192.0.2.1,
 * and a dnsflow proxy on an ephemeral loopback port with one event loop in front of it. Close it
 * after each test.
 */
public final class ProxyUnderTest implements AutoCloseable {
    private final ScriptedUpstream upstream;
    private DnsProxy proxy;

    public ProxyUnderTest() throws Exception {
        this.upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
    }

    public ScriptedUpstream upstream() {
        return upstream;
    }

    /** Starts the proxy, with {@code config} applied to the stage's defaults. */
    public DnsProxy start(UnaryOperator<ProxyConfig.Builder> config) {
        proxy = DnsProxy.start(config.apply(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                List.of(upstream.address())).eventLoops(1)).build());
        return proxy;
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }
}
