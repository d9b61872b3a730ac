package dev.dnsflow.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The UDP sockets one event loop uses towards one upstream. Queries spread over them round robin
 * (several source ports); a socket is replaced when it is older than the maximum age or right after
 * one of its attempts timed out, because in Kubernetes a long-lived socket to a service IP can be
 * black-holed by a stale conntrack entry. A replaced socket drains: it takes no new queries and is
 * closed once its last attempt has ended.
 */
final class UdpUpstreamPool {
    private static final long MIN_AGE_BEFORE_ROTATION = 1_000_000_000L;

    final Forwarder forwarder;
    final Upstream upstream;
    private final Bootstrap bootstrap;
    private final UdpUpstreamSocket[] sockets;
    private final boolean[] replacing;
    private final List<UdpUpstreamSocket> draining = new ArrayList<>();
    private int next;
    private long rotations;

    UdpUpstreamPool(Forwarder forwarder, Upstream upstream, Bootstrap bootstrap, int size) {
        this.forwarder = forwarder;
        this.upstream = upstream;
        this.bootstrap = bootstrap;
        this.sockets = new UdpUpstreamSocket[size];
        this.replacing = new boolean[size];
        for (int i = 0; i < size; i++) {
            open(i);
        }
    }

    /** The next usable socket, or null while none is bound yet. */
    UdpUpstreamSocket pick() {
        for (int i = 0; i < sockets.length; i++) {
            UdpUpstreamSocket s = sockets[next];
            next = next + 1 == sockets.length ? 0 : next + 1;
            if (s != null && s.channel != null && s.channel.isActive()) {
                return s;
            }
        }
        return null;
    }

    /** Another socket than {@code full}, for when one ID space is exhausted; null if none. */
    UdpUpstreamSocket alternative(UdpUpstreamSocket full) {
        for (UdpUpstreamSocket s : sockets) {
            if (s != null && s != full && s.channel != null && s.channel.isActive() && s.ids.inUse() < IdSpace.SIZE) {
                return s;
            }
        }
        return null;
    }

    void timedOut(UdpUpstreamSocket socket, long now) {
        // At most one replacement per socket and second, so a dead upstream does not churn sockets.
        if (now - socket.createdNanos < MIN_AGE_BEFORE_ROTATION) {
            return;
        }
        for (int i = 0; i < sockets.length; i++) {
            if (sockets[i] == socket) {
                open(i);
            }
        }
    }

    /** Called by the sweeper: rotates old sockets and closes drained ones. */
    void maintain(long now, long maxAgeNanos, long drainNanos) {
        for (int i = 0; i < sockets.length; i++) {
            UdpUpstreamSocket s = sockets[i];
            if (s != null && now - s.createdNanos > maxAgeNanos) {
                open(i);
            }
        }
        for (int i = draining.size() - 1; i >= 0; i--) {
            UdpUpstreamSocket s = draining.get(i);
            if (s.ids.inUse() == 0 || now - s.createdNanos > drainNanos + maxAgeNanos) {
                draining.remove(i);
                s.channel.close();
            }
        }
    }

    long rotations() {
        return rotations;
    }

    void close() {
        for (UdpUpstreamSocket s : sockets) {
            if (s != null && s.channel != null) {
                s.channel.close();
            }
        }
        draining.forEach(s -> s.channel.close());
    }

    /** Binds a fresh socket for slot {@code i}; the old one keeps serving until the new one is bound. */
    private void open(int i) {
        if (replacing[i]) {
            return;
        }
        replacing[i] = true;
        UdpUpstreamSocket fresh = new UdpUpstreamSocket(this);
        InetSocketAddress any = new InetSocketAddress(upstream.address().getAddress() instanceof Inet6Address
                ? "::" : "0.0.0.0", 0);
        ChannelFuture bound = bootstrap.clone().handler(fresh).bind(any);
        fresh.channel = bound.channel();
        bound.addListener(f -> {
            replacing[i] = false;
            if (!f.isSuccess()) {
                upstream.metrics().error("udp_bind");
                return;
            }
            UdpUpstreamSocket old = sockets[i];
            sockets[i] = fresh;
            if (old != null) {
                rotations++;
                old.draining = true;
                draining.add(old);
            }
        });
    }
}
