package dev.dnsflow.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.xbill.DNS.Message;

/** A plain client for tests: sends exact bytes, so the test controls every ID and flag. */
public final class DnsClient {
    private DnsClient() {
    }

    /** Sends one datagram and returns the answer, or null if none came within {@code timeoutMillis}. */
    public static Message udp(InetSocketAddress server, byte[] query, int timeoutMillis) {
        byte[] answer = udpRaw(server, query, timeoutMillis);
        return answer == null ? null : Wire.parse(answer);
    }

    public static Message udp(InetSocketAddress server, Message query) {
        return udp(server, query.toWire(), 3000);
    }

    public static byte[] udpRaw(InetSocketAddress server, byte[] query, int timeoutMillis) {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(timeoutMillis);
            socket.send(new DatagramPacket(query, query.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            return java.util.Arrays.copyOf(buf, p.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One TCP connection, for pipelining tests. */
    public static final class Tcp implements AutoCloseable {
        private final Socket socket;
        private final DataOutputStream out;
        private final DataInputStream in;

        public Tcp(InetSocketAddress server) throws IOException {
            socket = new Socket(server.getAddress(), server.getPort());
            socket.setSoTimeout(5000);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
        }

        public void send(byte[] query) throws IOException {
            out.writeShort(query.length);
            out.write(query);
            out.flush();
        }

        public Message read() throws IOException {
            int length = in.readUnsignedShort();
            return Wire.parse(in.readNBytes(length));
        }

        /** -1 when the server closed the connection. */
        public int readRaw() throws IOException {
            return in.read();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
