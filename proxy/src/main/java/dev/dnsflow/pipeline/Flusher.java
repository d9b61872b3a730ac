package dev.dnsflow.pipeline;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches writes per event loop: packets are written without flushing and every touched channel is
 * flushed once when the loop finishes a read burst or a timer sweep. Several packets per flush is
 * what lets the epoll transport use sendmmsg. Confined to one event loop; no locking.
 */
public final class Flusher {
    private final List<Channel> dirty = new ArrayList<>();

    public void write(Channel channel, Object message) {
        channel.write(message, channel.voidPromise());
        if (!dirty.contains(channel)) {
            dirty.add(channel);
        }
    }

    public void flush() {
        for (int i = 0; i < dirty.size(); i++) {
            dirty.get(i).flush();
        }
        dirty.clear();
    }
}
