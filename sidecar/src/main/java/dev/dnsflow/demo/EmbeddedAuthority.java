package dev.dnsflow.demo;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Name;
import org.xbill.DNS.Zone;

/**
 * A small authoritative DNS server for {@value #ZONE}, the upstream of {@code ./dnsflow demo} and
 * of integration tests. UDP and TCP share one port; answers come from a dnsjava {@code Zone}.
 *
 * <p>Plain blocking threads rather than Netty: this is a test double, never on the forwarding
 * path, and threads keep it obviously correct. It never writes to stdout or stderr.
 */
public final class EmbeddedAuthority implements AutoCloseable {
    /** The zone origin; names below it are answered, everything else is REFUSED. */
    public static final String ZONE = "example.com.";
    /** TTL of every record, and the negative-caching TTL (SOA minimum). */
    public static final long TTL = 300;
    public static final String NS = "ns1.example.com.";
    public static final String NS_A = "127.0.0.1";
    public static final String APEX_A = "192.0.2.1";
    public static final String APEX_AAAA = "2001:db8::1";
    /** A CNAME to the apex, so an A query gets the CNAME followed by {@link #APEX_A}. */
    public static final String WWW = "www.example.com.";
    /** Any name below {@code w.example.com.}, e.g. {@link #WILDCARD_EXAMPLE}, has {@link #WILDCARD_A}. */
    public static final String WILDCARD = "*.w.example.com.";
    public static final String WILDCARD_EXAMPLE = "foo.w.example.com.";
    public static final String WILDCARD_A = "192.0.2.10";
    public static final String MAIL = "mail.example.com.";
    public static final String MAIL_A = "192.0.2.25";
    /**
     * A TXT of {@link #BIG_TXT_STRING_COUNT} strings of {@link #BIG_TXT_STRING_LENGTH} bytes: too big
     * for 512 or {@value #EDNS_UDP_SIZE} bytes, so UDP answers are truncated and clients retry on TCP.
     */
    public static final String BIG_TXT = "big.example.com.";
    public static final int BIG_TXT_STRING_COUNT = 5;
    public static final int BIG_TXT_STRING_LENGTH = 255;
    /** A name in the zone that does not exist: NXDOMAIN with the SOA. */
    public static final String NONEXISTENT = "unknown.example.com.";
    /** The EDNS UDP size advertised in answers to EDNS queries (DNS flag day 2020). */
    public static final int EDNS_UDP_SIZE = 1232;

    private static final String THREAD_PREFIX = "embedded-authority-";
    /** Port 0: another process may hold the TCP twin of the UDP port, so try a few fresh ports. */
    private static final int PORT_ATTEMPTS = 10;
    private static final int TCP_BACKLOG = 50;
    private static final int MAX_UDP_MESSAGE = 65535;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(1);

    private final DatagramSocket udp;
    private final TcpListener tcp;
    private final AuthorityResponder responder = new AuthorityResponder(demoZone(), EDNS_UDP_SIZE);
    /** Delayed answers wait here, not in a receiving thread, so one delay does not hold up others. */
    private final ScheduledExecutorService delayer =
            Executors.newSingleThreadScheduledExecutor(task -> daemon("delay", task));
    private final AtomicLong answered = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread udpThread;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean silent;

    private EmbeddedAuthority(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = new TcpListener(tcp, this);
        this.udpThread = daemon("udp", this::serveUdp);
    }

    /**
     * Starts serving UDP and TCP on {@code bind}:{@code port}; port 0 picks a port free for both.
     *
     * @throws IOException if the port (or, for 0, a port free for both after a few tries) cannot be bound
     */
    public static EmbeddedAuthority start(InetAddress bind, int port) throws IOException {
        Objects.requireNonNull(bind, "bind");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        int attempts = port == 0 ? PORT_ATTEMPTS : 1;
        IOException failure = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            DatagramSocket udp;
            try {
                udp = new DatagramSocket(new InetSocketAddress(bind, port));
            } catch (IOException e) {
                throw new IOException("cannot bind UDP " + bind.getHostAddress() + " port " + port, e);
            }
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.setReuseAddress(true); // a restarted test server must not wait out TIME_WAIT
                tcp.bind(new InetSocketAddress(bind, udp.getLocalPort()), TCP_BACKLOG);
            } catch (IOException e) {
                closeQuietly(tcp);
                udp.close();
                failure = e;
                continue;
            }
            EmbeddedAuthority authority = new EmbeddedAuthority(udp, tcp);
            authority.udpThread.start();
            authority.tcp.start();
            return authority;
        }
        throw new IOException("cannot bind TCP next to UDP on " + bind.getHostAddress()
                + (port == 0 ? " after " + attempts + " attempts" : " port " + port), failure);
    }

    /** The bound address (with the actual port when started on port 0). */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    /** Queries answered so far over both transports; counted just before the answer is sent. */
    public long queries() {
        return answered.get();
    }

    /** Delays every answer by {@code d} ({@link Duration#ZERO} for none), e.g. to make a proxy time out. */
    public void setDelay(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative delay: " + d);
        }
        this.delay = d;
    }

    /** While silent, queries are read and dropped: a dead upstream whose port stays bound. */
    public void setSilent(boolean silent) {
        this.silent = silent;
    }

    /** Stops all threads and closes all sockets; answers still waiting out a delay are dropped. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        udp.close();
        tcp.close();
        delayer.shutdownNow();
        try {
            delayer.awaitTermination(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        join(udpThread);
    }

    /** Answers {@code query} through {@code sender}, now or after the delay; silently drops it if told to. */
    void handle(byte[] query, boolean overUdp, Sender sender) {
        if (silent) {
            return;
        }
        byte[] answer = responder.respond(query, overUdp);
        if (answer != null) {
            afterPendingAnswers(() -> {
                answered.incrementAndGet(); // first, so a client holding the answer sees it counted
                try {
                    sender.send(answer);
                } catch (IOException clientGone) {
                    // nobody is left to tell
                }
            });
        }
    }

    /**
     * Runs {@code task} once every answer handled so far has been sent: immediately without a
     * delay; otherwise queued behind them (the single delayer thread runs equal deadlines in order).
     */
    void afterPendingAnswers(Runnable task) {
        Duration wait = delay;
        if (wait.isZero()) {
            task.run();
            return;
        }
        try {
            delayer.schedule(task, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // close() is running and drops everything pending
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[MAX_UDP_MESSAGE];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!udp.isClosed()) {
            try {
                packet.setLength(buffer.length);
                udp.receive(packet);
            } catch (IOException e) {
                continue; // closed (the loop ends) or a transient error (the next receive is fine)
            }
            byte[] query = Arrays.copyOf(buffer, packet.getLength());
            SocketAddress client = packet.getSocketAddress();
            handle(query, true, answer -> udp.send(new DatagramPacket(answer, answer.length, client)));
        }
    }

    /** The demo zone as a master file, built from the constants above so tests and data agree. */
    private static Zone demoZone() {
        StringBuilder bigTxt = new StringBuilder();
        bigTxtStrings().forEach(s -> bigTxt.append(" \"").append(s).append('"'));
        String master = String.join("\n",
                "$ORIGIN " + ZONE,
                "$TTL " + TTL,
                // serial refresh retry expire minimum; the minimum is the negative-answer TTL
                "@ SOA " + NS + " hostmaster." + ZONE + " 1 3600 600 86400 " + TTL,
                "@ NS " + NS,
                NS + " A " + NS_A,
                "@ A " + APEX_A,
                "@ AAAA " + APEX_AAAA,
                WWW + " CNAME " + ZONE,
                WILDCARD + " A " + WILDCARD_A,
                MAIL + " A " + MAIL_A,
                BIG_TXT + " TXT" + bigTxt,
                "");
        try {
            return new Zone(Name.fromConstantString(ZONE),
                    new ByteArrayInputStream(master.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new IllegalStateException("the built-in demo zone does not parse", e);
        }
    }

    /** The strings of {@link #BIG_TXT}: "aaa…", "bbb…", … each {@link #BIG_TXT_STRING_LENGTH} long. */
    static List<String> bigTxtStrings() {
        List<String> strings = new ArrayList<>(BIG_TXT_STRING_COUNT);
        for (int i = 0; i < BIG_TXT_STRING_COUNT; i++) {
            strings.add(String.valueOf((char) ('a' + i)).repeat(BIG_TXT_STRING_LENGTH));
        }
        return strings;
    }

    static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, THREAD_PREFIX + name);
        thread.setDaemon(true);
        return thread;
    }

    static void join(Thread thread) {
        try {
            thread.join(JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // best effort: the socket is unusable either way
        }
    }

    /** Where an answer goes: back to a UDP client's address, or down a TCP connection. */
    @FunctionalInterface
    interface Sender {
        void send(byte[] answer) throws IOException;
    }
}
