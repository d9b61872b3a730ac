package dev.dnsflow.forward;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Brings upstreams back: every interval, each upstream that is down gets a {@code . IN NS} query
 * (as CoreDNS probes) on its own thread, off the event loops. Any DNS answer with the probe's ID
 * and QR set, whatever its rcode, marks it up again.
 */
final class HealthChecker implements AutoCloseable {
    private static final int PROBE_TIMEOUT_MILLIS = 1000;

    private final List<Upstream> upstreams;
    private final ScheduledExecutorService timer;

    HealthChecker(List<Upstream> upstreams, Duration every) {
        this.upstreams = upstreams;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dnsflow-health");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::probeDown, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probeDown() {
        for (Upstream u : upstreams) {
            if (!u.isHealthy() && probe(u.address())) {
                u.probeAnswered();
            }
        }
    }

    /** Sends {@code . IN NS} with RD=1 and waits up to a second for a matching answer. */
    static boolean probe(InetSocketAddress upstream) {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        byte[] query = {(byte) (id >>> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1};
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(upstream);
            socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
            socket.send(new DatagramPacket(query, query.length));
            byte[] answer = new byte[4096];
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MILLIS);
            while (System.nanoTime() < until) {
                DatagramPacket packet = new DatagramPacket(answer, answer.length);
                socket.receive(packet);
                boolean matches = packet.getLength() >= 12 && ((answer[0] & 0xFF) << 8 | (answer[1] & 0xFF)) == id
                        && (answer[2] & 0x80) != 0;
                if (matches) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false; // timeout, unreachable, refused: still down
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
