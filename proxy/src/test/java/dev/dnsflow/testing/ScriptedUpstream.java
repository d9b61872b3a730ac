package dev.dnsflow.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xbill.DNS.Message;

/**
 * A test upstream on 127.0.0.1 (UDP and TCP on one port) whose answers the test scripts, to play a
 * misbehaving or slow server that no real software plays on demand. Every query it receives is
 * kept, with the transport and the sender, so tests can see what went upstream.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** What the upstream does with one query. */
    @FunctionalInterface
    public interface Script {
        void handle(Received query, Reply reply) throws Exception;
    }

    /** A query as the upstream saw it. */
    public record Received(Message message, byte[] bytes, boolean tcp, InetSocketAddress from) {
    }

    /** Ways to answer: send any bytes, from the right socket or from another port. */
    public interface Reply {
        void send(byte[] bytes) throws IOException;

        default void send(Message m) throws IOException {
            send(m.toWire());
        }

        /** Sends from a different UDP port than the one queried (a spoof, or a broken NAT). */
        void sendFromOtherPort(byte[] bytes) throws IOException;
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<InetSocketAddress> closedTcp = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-upstream");
        t.setDaemon(true);
        return t;
    });
    private volatile Script script;
    private volatile boolean closed;

    private ScriptedUpstream(DatagramSocket udp, ServerSocket tcp, Script script) {
        this.udp = udp;
        this.tcp = tcp;
        this.script = script;
        threads.execute(this::serveUdp);
        threads.execute(this::acceptTcp);
    }

    public static ScriptedUpstream start(Script script) throws IOException {
        for (int attempt = 0; ; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 50, InetAddress.getLoopbackAddress());
                return new ScriptedUpstream(udp, tcp, script);
            } catch (IOException taken) {
                udp.close();
                if (attempt > 10) {
                    throw taken;
                }
            }
        }
    }

    /** Answers every query with {@code answer(query)}. */
    public static Script answering(java.util.function.Function<Message, Message> answer) {
        return (q, reply) -> reply.send(answer.apply(q.message()));
    }

    public static Script silent() {
        return (q, reply) -> { };
    }

    public void script(Script script) {
        this.script = script;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    public List<Received> received() {
        return received;
    }

    /** The TCP connections the client closed, by their source address, in the order they closed. */
    public List<InetSocketAddress> closedTcp() {
        return closedTcp;
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] bytes = java.util.Arrays.copyOf(p.getData(), p.getLength());
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                Received r = new Received(new Message(bytes), bytes, false, from);
                received.add(r);
                Script s = script;
                threads.execute(() -> run(s, r, new Reply() {
                    @Override
                    public void send(byte[] out) throws IOException {
                        udp.send(new DatagramPacket(out, out.length, from));
                    }

                    @Override
                    public void sendFromOtherPort(byte[] out) throws IOException {
                        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                            other.send(new DatagramPacket(out, out.length, from));
                        }
                    }
                }));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                threads.execute(() -> serveTcp(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveTcp(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] bytes = in.readNBytes(length);
                Received r = new Received(new Message(bytes), bytes, true, (InetSocketAddress) socket.getRemoteSocketAddress());
                received.add(r);
                Script s = script;
                threads.execute(() -> run(s, r, new Reply() {
                    @Override
                    public void send(byte[] b) throws IOException {
                        synchronized (out) {
                            out.writeShort(b.length);
                            out.write(b);
                            out.flush();
                        }
                    }

                    @Override
                    public void sendFromOtherPort(byte[] b) {
                        throw new UnsupportedOperationException("TCP has no other port");
                    }
                }));
            }
        } catch (IOException e) {
            // client went away
            if (!closed) {
                closedTcp.add((InetSocketAddress) socket.getRemoteSocketAddress());
            }
        }
    }

    private static void run(Script s, Received r, Reply reply) {
        try {
            s.handle(r, reply);
        } catch (Exception e) {
            // a script that fails simply does not answer; the test sees a timeout
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
        threads.shutdownNow();
    }
}
