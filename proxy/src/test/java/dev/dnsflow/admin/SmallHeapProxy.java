package dev.dnsflow.admin;

import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A dnsflow proxy for {@link AdminMemoryTest}, run in a child JVM with a small heap: a scripted
 * upstream, a full ring of {@code args[0]} flows, and one line on stdout with the ports.
 */
public final class SmallHeapProxy {
    private SmallHeapProxy() {
    }

    public static void main(String[] args) throws Exception {
        int flows = Integer.parseInt(args[0]);
        ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
        DnsProxy proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .admin(new InetSocketAddress("127.0.0.1", 0)).flowBuffer(flows).eventLoops(1).build());
        for (int i = 0; i < flows; i++) {
            proxy.recorder().accept(Flows.sample());
            if (i % 1000 == 0) {
                proxy.recorder().drain(5000); // the recorder's queue is bounded
            }
        }
        proxy.recorder().drain(5000);
        System.out.println("ready dns=" + proxy.address().getPort() + " admin=" + proxy.adminAddress().getPort()
                + " flows=" + proxy.ring().size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
