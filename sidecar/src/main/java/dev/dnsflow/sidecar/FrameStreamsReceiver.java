package dev.dnsflow.sidecar;

import dev.dnsflow.dnstap.ControlFrame;
import dev.dnsflow.dnstap.Destination;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code --dnstap-listen unix:PATH | tcp:HOST:PORT}: a Frame Streams reader for CoreDNS's
 * {@code dnstap} plugin (and unbound, dnsdist). Per producer connection: READY → ACCEPT (dnstap content
 * type), START, data frames up to 1 MiB, STOP → FINISH. Several producers at once, a thread each;
 * a producer that disconnects mid-frame or sends garbage only loses its own connection.
 */
public final class FrameStreamsReceiver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FrameStreamsReceiver.class.getName());
    static final int MAX_FRAME = 1 << 20;

    private final Destination where;
    private final ServerSocketChannel server;
    private final Consumer<byte[]> frames;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean closed;

    /** @param frames called with each data frame (a serialized Dnstap), on the connection's thread */
    public FrameStreamsReceiver(String listen, Consumer<byte[]> frames) {
        this.where = parse(listen);
        this.frames = frames;
        try {
            if (where.kind() == Destination.Kind.UNIX) {
                if (Files.isRegularFile(where.path()) || Files.isDirectory(where.path())) {
                    throw new IOException(where.path() + " exists and is not a socket; refusing to replace it");
                }
                Files.deleteIfExists(where.path()); // a stale socket file from a previous run
                server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                server.bind(UnixDomainSocketAddress.of(where.path()));
            } else {
                server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(where.host(), where.port()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("--dnstap-listen " + listen + ": cannot listen: " + e.getMessage(), e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "dnsflow-dnstap-listen");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code unix:PATH} or {@code tcp:HOST:PORT} (port 0 picks a free one). */
    private static Destination parse(String listen) {
        if (listen.startsWith("unix:") && listen.length() > 5) {
            return new Destination(Destination.Kind.UNIX, java.nio.file.Path.of(listen.substring(5)), null, 0);
        }
        if (listen.startsWith("tcp:")) {
            String rest = listen.substring(4);
            int colon = rest.lastIndexOf(':');
            try {
                int port = Integer.parseInt(rest.substring(colon + 1));
                String host = rest.substring(0, Math.max(0, colon)).replace("[", "").replace("]", "");
                if (!host.isEmpty() && port >= 0 && port <= 65535) {
                    return new Destination(Destination.Kind.TCP, null, host, port);
                }
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("--dnstap-listen '" + listen + "': use unix:PATH or tcp:HOST:PORT");
    }

    /** The bound address (useful with tcp port 0). */
    public java.net.SocketAddress address() throws IOException {
        return server.getLocalAddress();
    }

    /** Data frames received so far, over all producers. */
    public long received() {
        return received.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                connections.add(c);
                Thread t = new Thread(() -> serve(c), "dnsflow-dnstap-producer");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "dnstap listener: " + e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c; DataInputStream in = new DataInputStream(Channels.newInputStream(c));
             OutputStream out = Channels.newOutputStream(c)) {
            boolean started = false;
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    ControlFrame control = readControl(in);
                    switch (control.type()) {
                        case ControlFrame.READY -> {
                            if (!control.matches(ControlFrame.DNSTAP_CONTENT_TYPE)) {
                                throw new IOException("producer offers " + control.contentTypes() + ", not dnstap");
                            }
                            out.write(ControlFrame.dnstap(ControlFrame.ACCEPT).encode());
                            out.flush();
                        }
                        case ControlFrame.START -> started = true;
                        case ControlFrame.STOP -> {
                            out.write(ControlFrame.bare(ControlFrame.FINISH).encode());
                            out.flush();
                            return;
                        }
                        default -> { } // unknown control types are ignored, as the spec asks
                    }
                } else if (length < 0 || length > MAX_FRAME) {
                    throw new IOException("frame of " + length + " bytes (at most " + MAX_FRAME + ")");
                } else {
                    byte[] frame = in.readNBytes(length);
                    if (frame.length < length) {
                        return; // the producer went away mid-frame: drop the partial frame
                    }
                    if (started) {
                        received.incrementAndGet();
                        frames.accept(frame);
                    }
                }
            }
        } catch (EOFException gone) {
            // the producer closed without STOP: nothing more to read
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(Level.FINE, "dnstap producer dropped: " + e.getMessage());
            }
        } finally {
            connections.remove(c);
        }
    }

    private static ControlFrame readControl(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 4 || length > ControlFrame.MAX_CONTROL_LENGTH) {
            throw new IOException("bad control frame length " + length);
        }
        return ControlFrame.decode(ByteBuffer.wrap(in.readNBytes(length)));
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        connections.forEach(c -> {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        if (where.kind() == Destination.Kind.UNIX) {
            try {
                Files.deleteIfExists(where.path());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
