package dev.dnsflow.demo;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP side of {@link EmbeddedAuthority}: an acceptor thread and one thread per connection,
 * reading 2-byte length-prefixed queries; clients may pipeline many queries on one connection.
 */
final class TcpListener {
    /** Like a real server, reclaim connections a client forgot about. */
    private static final Duration IDLE = Duration.ofSeconds(30);

    private final ServerSocket server;
    private final EmbeddedAuthority authority;
    /** Open connections and their threads, so close() can end both. */
    private final Map<Socket, Thread> connections = new ConcurrentHashMap<>();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    TcpListener(ServerSocket server, EmbeddedAuthority authority) {
        this.server = server;
        this.authority = authority;
        this.acceptor = EmbeddedAuthority.daemon("accept", this::accept);
    }

    void start() {
        acceptor.start();
    }

    void close() {
        closed = true;
        EmbeddedAuthority.closeQuietly(server);
        connections.keySet().forEach(EmbeddedAuthority::closeQuietly);
        EmbeddedAuthority.join(acceptor);
        connections.values().forEach(EmbeddedAuthority::join);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                continue; // closed (the loop ends) or an aborted handshake
            }
            Thread thread = EmbeddedAuthority.daemon("tcp-" + connectionIds.incrementAndGet(), () -> serve(socket));
            connections.put(socket, thread);
            if (closed) {
                // close() may have swept the map before this socket was in it
                EmbeddedAuthority.closeQuietly(socket);
                return;
            }
            thread.start();
        }
    }

    /** Answers queries in arrival order until the client closes, idles out, or close() runs. */
    private void serve(Socket socket) {
        try {
            socket.setSoTimeout((int) IDLE.toMillis());
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            OutputStream out = socket.getOutputStream();
            while (true) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                authority.handle(query, false, answer -> writeFramed(out, answer));
            }
        } catch (IOException endOfConnection) {
            // EOF, idle timeout, reset or close(): each simply ends this connection
        }
        // A client may half-close right after pipelining; answers still waiting out a delay must
        // find the socket open, so it is closed only once they are out.
        authority.afterPendingAnswers(() -> {
            EmbeddedAuthority.closeQuietly(socket);
            connections.remove(socket);
        });
    }

    private static void writeFramed(OutputStream out, byte[] answer) throws IOException {
        byte[] framed = new byte[answer.length + 2];
        framed[0] = (byte) (answer.length >>> 8);
        framed[1] = (byte) answer.length;
        System.arraycopy(answer, 0, framed, 2, answer.length);
        // Delayed answers are written from the delayer thread: whole frames only, never interleaved.
        synchronized (out) {
            out.write(framed);
            out.flush();
        }
    }
}
