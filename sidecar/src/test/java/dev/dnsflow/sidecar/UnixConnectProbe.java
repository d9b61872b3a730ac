package dev.dnsflow.sidecar;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * Connects to the Unix socket named by its argument and prints "connected": run by
 * {@link FrameStreamsReceiverTest} in a JVM of its own under another uid, as CoreDNS connects from its own container.
 */
public final class UnixConnectProbe {
    private UnixConnectProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(args[0]));
            System.out.println("connected");
        }
    }
}
