package dev.dnsflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class EmbeddedAuthorityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** How long a test waits to be sure no answer is coming. */
    private static final int SILENCE_MILLIS = 300;

    private static EmbeddedAuthority authority;

    @BeforeAll
    static void startAuthority() throws IOException {
        authority = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterAll
    static void stopAuthority() {
        authority.close();
    }

    @Test
    void answersApexAAuthoritativelyAndCopiesRd() throws IOException {
        Message response = udp(EmbeddedAuthority.ZONE, Type.A);

        assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(response.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(response.getQuestion().getName()).isEqualTo(name(EmbeddedAuthority.ZONE));
        assertThat(addresses(response)).containsExactly(ip(EmbeddedAuthority.APEX_A));
    }

    @Test
    void answersApexAaaa() throws IOException {
        Message response = udp(EmbeddedAuthority.ZONE, Type.AAAA);

        assertThat(addresses(response)).containsExactly(ip(EmbeddedAuthority.APEX_AAAA));
    }

    @Test
    void followsWwwCnameToTheApex() throws IOException {
        List<Record> answer = udp(EmbeddedAuthority.WWW, Type.A).getSection(Section.ANSWER);

        assertThat(answer).hasSize(2);
        assertThat(((CNAMERecord) answer.get(0)).getTarget()).isEqualTo(name(EmbeddedAuthority.ZONE));
        assertThat(((ARecord) answer.get(1)).getAddress().getHostAddress()).isEqualTo(EmbeddedAuthority.APEX_A);
    }

    @Test
    void answersWildcardUnderW() throws IOException {
        Message response = udp(EmbeddedAuthority.WILDCARD_EXAMPLE, Type.A);

        assertThat(addresses(response)).containsExactly(ip(EmbeddedAuthority.WILDCARD_A));
        assertThat(response.getSection(Section.ANSWER).get(0).getName())
                .isEqualTo(name(EmbeddedAuthority.WILDCARD_EXAMPLE));
    }

    @Test
    void answersNxdomainWithSoaForUnknownNames() throws IOException {
        Message response = udp(EmbeddedAuthority.NONEXISTENT, Type.A);

        assertThat(response.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(response.getSection(Section.ANSWER)).isEmpty();
        assertThat(response.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    }

    @Test
    void answersNodataForMissingTypesEmptyNonTerminalsAndWildcardMatches() throws IOException {
        for (String name : List.of(EmbeddedAuthority.MAIL, "w.example.com.", EmbeddedAuthority.WILDCARD_EXAMPLE)) {
            Message response = udp(name, Type.AAAA);

            assertThat(response.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
            assertThat(response.getSection(Section.ANSWER)).as(name).isEmpty();
            assertThat(response.getSection(Section.AUTHORITY)).as(name).singleElement().isInstanceOf(SOARecord.class);
        }
    }

    @Test
    void truncatesBigTxtOverUdpWithoutEdns() throws IOException {
        SimpleResolver resolver = resolver(false);
        resolver.setEDNS(null);
        resolver.setIgnoreTruncation(true);

        Message response = resolver.send(query(EmbeddedAuthority.BIG_TXT, Type.TXT));

        assertThat(response.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(response.getOPT()).isNull();
    }

    @Test
    void truncatesBigTxtOverUdpEvenWithEdns1232() throws IOException {
        SimpleResolver resolver = resolver(false);
        resolver.setEDNS(0, EmbeddedAuthority.EDNS_UDP_SIZE, 0, List.of());
        resolver.setIgnoreTruncation(true);

        Message response = resolver.send(query(EmbeddedAuthority.BIG_TXT, Type.TXT));

        assertThat(response.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(response.getOPT().getPayloadSize()).isEqualTo(EmbeddedAuthority.EDNS_UDP_SIZE);
    }

    @Test
    void answersBigTxtCompletelyOverTcp() throws IOException {
        Message response = resolver(true).send(query(EmbeddedAuthority.BIG_TXT, Type.TXT));

        assertThat(response.getHeader().getFlag(Flags.TC)).isFalse();
        TXTRecord txt = (TXTRecord) response.getSection(Section.ANSWER).get(0);
        assertThat(txt.getStrings()).isEqualTo(EmbeddedAuthority.bigTxtStrings());
    }

    @Test
    void answersTwoPipelinedQueriesOnOneTcpConnection() throws IOException {
        assertBothPipelinedQueriesAnswered(authority, false);
    }

    @Test
    void answersDelayedPipelinedQueriesAfterTheClientHalfCloses() throws IOException {
        try (EmbeddedAuthority slow = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0)) {
            slow.setDelay(Duration.ofMillis(200));

            assertBothPipelinedQueriesAnswered(slow, true);
        }
    }

    @Test
    void refusesNamesOutsideTheZone() throws IOException {
        Message response = udp("example.org.", Type.A);

        assertThat(response.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(response.getHeader().getFlag(Flags.AA)).isFalse();
    }

    @Test
    void answersTheRootNsHealthProbe() throws IOException {
        assertThat(udp(".", Type.NS).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void answersFormerrWithTheIdOfAnUnparsableQueryAndDropsRunts() throws IOException {
        // a header announcing one question that is not there
        byte[] headerOnly = {0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        try (DatagramSocket socket = clientSocket()) {
            Message response = new Message(exchange(socket, headerOnly));

            assertThat(response.getHeader().getID()).isEqualTo(0x1234);
            assertThat(response.getRcode()).isEqualTo(Rcode.FORMERR);
            assertThatThrownBy(() -> exchange(socket, new byte[] {0x12, 0x34, 0x01}))
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void countsAnsweredQueriesOverBothTransports() throws IOException {
        long before = authority.queries();

        udp(EmbeddedAuthority.ZONE, Type.A);
        resolver(true).send(query(EmbeddedAuthority.ZONE, Type.A));

        assertThat(authority.queries()).isEqualTo(before + 2);
    }

    @Test
    void swallowsQueriesWhileSilent() throws IOException {
        try (EmbeddedAuthority silent = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0);
             DatagramSocket socket = clientSocket()) {
            silent.setSilent(true);
            socket.connect(silent.address());

            assertThatThrownBy(() -> exchange(socket, query(EmbeddedAuthority.ZONE, Type.A).toWire()))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(silent.queries()).isZero();
        }
    }

    @Test
    void delaysAnswersWithoutQueueingThemBehindEachOther() throws IOException {
        Duration delay = Duration.ofMillis(400);
        try (EmbeddedAuthority slow = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0);
             DatagramSocket socket = clientSocket()) {
            slow.setDelay(delay);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.connect(slow.address());
            long start = System.nanoTime();
            send(socket, query(EmbeddedAuthority.ZONE, Type.A).toWire());
            send(socket, query(EmbeddedAuthority.MAIL, Type.A).toWire());

            receive(socket);
            receive(socket);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(elapsed).isGreaterThanOrEqualTo(delay).isLessThan(delay.multipliedBy(2));
        }
    }

    @Test
    void closeStopsEveryThreadItStartedAndMayBeRepeated() throws IOException {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        EmbeddedAuthority server = EmbeddedAuthority.start(InetAddress.getLoopbackAddress(), 0);
        try (Socket idleConnection = new Socket(server.address().getAddress(), server.address().getPort())) {
            assertBothPipelinedQueriesAnswered(server, false); // a connection thread exists now

            server.close();
            server.close();
        }

        assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(thread -> !before.contains(thread))
                .noneMatch(thread -> thread.getName().startsWith("embedded-authority-"));
    }

    private static Message udp(String name, int type) throws IOException {
        return resolver(false).send(query(name, type));
    }

    private static SimpleResolver resolver(boolean tcp) {
        SimpleResolver resolver = new SimpleResolver(authority.address());
        resolver.setTCP(tcp);
        resolver.setTimeout(TIMEOUT);
        return resolver;
    }

    private static Message query(String name, int type) {
        return Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
    }

    private static Name name(String name) {
        return Name.fromConstantString(name);
    }

    private static List<InetAddress> addresses(Message response) {
        return response.getSection(Section.ANSWER).stream()
                .map(r -> r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress())
                .collect(Collectors.toList());
    }

    /** Compares as addresses, not text: Java prints 2001:db8:0:0:0:0:0:1 for 2001:db8::1. */
    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal); // a literal is parsed, never looked up
    }

    private static DatagramSocket clientSocket() throws IOException {
        DatagramSocket socket = new DatagramSocket();
        socket.setSoTimeout(SILENCE_MILLIS);
        return socket;
    }

    private static byte[] exchange(DatagramSocket socket, byte[] query) throws IOException {
        if (!socket.isConnected()) {
            socket.connect(authority.address());
        }
        send(socket, query);
        return receive(socket);
    }

    private static void send(DatagramSocket socket, byte[] query) throws IOException {
        socket.send(new DatagramPacket(query, query.length));
    }

    private static byte[] receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
        socket.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    /** Writes two framed queries in one go, optionally half-closes, then reads both answers. */
    private static void assertBothPipelinedQueriesAnswered(EmbeddedAuthority server, boolean halfClose)
            throws IOException {
        Message first = query(EmbeddedAuthority.ZONE, Type.A);
        Message second = query(EmbeddedAuthority.MAIL, Type.A);
        try (Socket socket = new Socket(server.address().getAddress(), server.address().getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(concat(framed(first.toWire()), framed(second.toWire())));
            out.flush();
            if (halfClose) {
                socket.shutdownOutput();
            }

            DataInputStream in = new DataInputStream(socket.getInputStream());
            List<Integer> answeredIds = List.of(readFramed(in).getHeader().getID(), readFramed(in).getHeader().getID());

            assertThat(answeredIds).containsExactlyInAnyOrder(first.getHeader().getID(), second.getHeader().getID());
        }
    }

    private static byte[] framed(byte[] message) {
        return concat(new byte[] {(byte) (message.length >>> 8), (byte) message.length}, message);
    }

    private static Message readFramed(DataInputStream in) throws IOException {
        byte[] message = new byte[in.readUnsignedShort()];
        in.readFully(message);
        return new Message(message);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = new byte[a.length + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
