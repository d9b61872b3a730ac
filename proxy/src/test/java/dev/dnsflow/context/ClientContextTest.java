package dev.dnsflow.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ProxyUnderTest;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The real client, as CoreDNS or dnsdist carry it to dnsflow, ends up in the flow and never upstream. */
class ClientContextTest {
    private ProxyUnderTest stage;
    private ScriptedUpstream upstream;
    private DnsProxy proxy;

    @BeforeEach
    void start() throws Exception {
        stage = new ProxyUnderTest();
        upstream = stage.upstream();
    }

    @AfterEach
    void stop() {
        stage.close();
    }

    private DnsProxy proxy(UnaryOperator<ProxyConfig.Builder> config) {
        proxy = stage.start(config);
        return proxy;
    }

    private Flow last() {
        proxy.recorder().drain(2000);
        return proxy.ring().newest(1, f -> true).get(0);
    }

    /** A query the way CoreDNS's rewrite plugin sends it: an OPT of 4096 with our local options. */
    private static Message fromCoreDns(int id, EDNSOption... options) {
        Message m = Wire.query("example.com.", Type.A, id);
        m.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(options)), Section.ADDITIONAL);
        return m;
    }

    private static EDNSOption local(int code, byte[] data) {
        return new GenericEDNSOption(code, data);
    }

    private OPTRecord optUpstreamSaw() {
        return upstream.received().get(upstream.received().size() - 1).message().getOPT();
    }

    @Test
    void edns0LocalOptionsNameThePodAndAreStrippedBeforeForwarding() throws Exception {
        proxy(c -> c);
        Message q = fromCoreDns(7, local(65518, InetAddress.getByName("10.244.1.7").getAddress()), local(65519, new byte[] {(byte) 0xC3, 0x50}),
                local(65520, "udp".getBytes(StandardCharsets.US_ASCII)), local(65521, "web-7d9f".getBytes(StandardCharsets.US_ASCII)),
                local(65522, "shop".getBytes(StandardCharsets.US_ASCII)));

        Message answer = DnsClient.udp(proxy.address(), q);

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getID()).isEqualTo(7);
        Flow flow = last();
        assertThat(flow.origin().ip()).isEqualTo("10.244.1.7");
        assertThat(flow.origin().port()).isEqualTo(50000);
        assertThat(flow.origin().transport()).isEqualTo(Transport.UDP);
        assertThat(flow.origin().source()).isEqualTo("edns0-local");
        assertThat(flow.origin().pod()).isEqualTo("web-7d9f");
        assertThat(flow.origin().namespace()).isEqualTo("shop");
        assertThat(FlowJson.toJson(flow)).contains("\"origin\":{\"ip\":\"10.244.1.7\",\"port\":50000,\"transport\":\"udp\","
                + "\"source\":\"edns0-local\",\"pod\":\"web-7d9f\",\"namespace\":\"shop\"}");
        assertThat(optUpstreamSaw()).as("the OPT rewrite added is gone with the options").isNull();
        byte[] seen = upstream.received().get(0).bytes();
        assertThat(seen).hasSize(Wire.query("example.com.", Type.A, 7).toWire().length);
    }

    @Test
    void aRewriteOptRemovedBeforeForwardingIsStillRecordedAsReceived() throws Exception {
        proxy(c -> c);
        Message q = fromCoreDns(18, local(0xffee, InetAddress.getByName("10.244.2.2").getAddress()));

        assertThat(DnsClient.udp(proxy.address(), q).getRcode()).isEqualTo(Rcode.NOERROR);

        assertThat(optUpstreamSaw()).as("the upstream still gets the query without the OPT").isNull();
        Flow flow = last();
        assertThat(flow.origin().ip()).isEqualTo("10.244.2.2");
        assertThat(flow.query().ednsSize()).as("the OPT the query arrived with").isEqualTo(4096);
        assertThat(flow.query().dnssecOk()).isFalse();
        assertThat(flow.query().size()).isEqualTo(q.toWire().length);
        assertThat(FlowJson.toJson(flow)).contains("\"edns_size\":4096");
    }

    @Test
    void anAnswerToAQueryWhoseRewriteOptWasRemovedIsStillCutAt512() throws Exception {
        proxy(c -> c);
        String[] many = new String[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = "192.0.2." + (i + 1);
        }
        upstream.script(ScriptedUpstream.answering(a -> Wire.answer(a, many)));
        byte[] q = fromCoreDns(19, local(0xffee, InetAddress.getByName("10.244.2.3").getAddress())).toWire();

        byte[] raw = DnsClient.udpRaw(proxy.address(), q, 3000);

        // The truncation limit is the size the query was forwarded with: without the OPT, 512.
        assertThat(raw.length).isLessThanOrEqualTo(512);
        assertThat(Wire.parse(raw).getHeader().getFlag(org.xbill.DNS.Flags.TC)).isTrue();
        Flow flow = last();
        assertThat(flow.response().truncated()).isTrue();
        assertThat(flow.query().ednsSize()).isEqualTo(4096);
    }

    @Test
    void otherOptionsAndTheClientsOwnOptStayExactlyAsSent() throws Exception {
        proxy(c -> c);
        Message q = Wire.query("example.com.", Type.A, 8);
        EDNSOption cookie = local(10, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        q.addRecord(new OPTRecord(1232, 0, 0, org.xbill.DNS.Flags.DO, List.of(cookie,
                local(65518, InetAddress.getByName("10.0.0.9").getAddress()))), Section.ADDITIONAL);

        DnsClient.udp(proxy.address(), q);

        OPTRecord seen = optUpstreamSaw();
        assertThat(seen).isNotNull();
        assertThat(seen.getPayloadSize()).isEqualTo(1232);
        assertThat(seen.getFlags() & org.xbill.DNS.Flags.DO).isNotZero();
        assertThat(seen.getOptions()).hasSize(1);
        assertThat(seen.getOptions().get(0).getCode()).isEqualTo(10);
        assertThat(last().origin().ip()).isEqualTo("10.0.0.9");
        assertThat(last().query().dnssecOk()).isTrue();
    }

    @Test
    void ecsBecomesTheOriginAndIsStrippedUnlessKept() throws Exception {
        proxy(c -> c);
        Message q = fromCoreDns(9, new ClientSubnetOption(24, InetAddress.getByName("10.244.3.0")));
        DnsClient.udp(proxy.address(), q);
        Flow flow = last();
        assertThat(flow.origin().source()).isEqualTo("ecs");
        assertThat(flow.origin().ip()).isEqualTo("10.244.3.0");
        assertThat(flow.origin().prefix()).isEqualTo(24);
        assertThat(flow.origin().isSubnet()).isTrue();
        assertThat(optUpstreamSaw()).isNull();

        proxy.close();
        proxy(c -> c.context(ContextCodes.DEFAULT, true, null));
        DnsClient.udp(proxy.address(), fromCoreDns(10, new ClientSubnetOption(32, InetAddress.getByName("10.244.3.4"))));
        assertThat(last().origin().isSubnet()).isFalse();
        assertThat(optUpstreamSaw().getOptions()).extracting(EDNSOption::getCode).containsExactly(8);
    }

    @Test
    void customOptionCodesAreHonoured() throws Exception {
        proxy(c -> c.context(ContextCodes.parse(List.of("client_ip=0xffdc")), false, null));
        DnsClient.udp(proxy.address(), fromCoreDns(11, local(0xffdc, InetAddress.getByName("10.1.1.1").getAddress())));
        assertThat(last().origin().ip()).isEqualTo("10.1.1.1");
    }

    @Test
    void chaosRulesMatchTheRealClientWhenKnown() throws Exception {
        proxy(c -> c.chaos(null, List.of("rcode client=10.244.0.0/16 rcode=REFUSED")));
        Message fromPod = fromCoreDns(12, local(65518, InetAddress.getByName("10.244.9.9").getAddress()));
        assertThat(DnsClient.udp(proxy.address(), fromPod).getRcode()).isEqualTo(Rcode.REFUSED);
        Message other = fromCoreDns(13, local(65518, InetAddress.getByName("10.99.9.9").getAddress()));
        assertThat(DnsClient.udp(proxy.address(), other).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void aProxyV2HeaderFromATrustedSenderNamesTheClientOverUdpAndTcp() throws Exception {
        proxy(c -> c.context(ContextCodes.DEFAULT, false, AllowList.parse(List.of("127.0.0.1"))));
        byte[] query = Wire.query("example.com.", Type.A, 14).toWire();

        Message answer = DnsClient.udp(proxy.address(), concat(proxyHeader(0x12, "10.244.5.5", 41000), query), 3000);
        assertThat(answer.getHeader().getID()).isEqualTo(14);
        assertThat(last().origin().source()).isEqualTo("proxy-v2");
        assertThat(last().origin().ip()).isEqualTo("10.244.5.5");
        assertThat(last().origin().port()).isEqualTo(41000);
        byte[] seen = upstream.received().get(0).bytes();
        assertThat(java.util.Arrays.copyOfRange(seen, 2, seen.length)).as("upstream gets the DNS message, not the header")
                .isEqualTo(java.util.Arrays.copyOfRange(query, 2, query.length));

        try (java.net.Socket s = new java.net.Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            s.setSoTimeout(3000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write(proxyHeader(0x11, "10.244.6.6", 42000));
            for (int id : new int[] {15, 16}) {
                byte[] q = Wire.query("example.com.", Type.A, id).toWire();
                out.writeShort(q.length);
                out.write(q);
            }
            out.flush();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            for (int i = 0; i < 2; i++) {
                Wire.parse(in.readNBytes(in.readUnsignedShort()));
            }
        }
        proxy.recorder().drain(2000);
        assertThat(proxy.ring().newest(2, f -> true)).allSatisfy(f -> {
            assertThat(f.origin().ip()).isEqualTo("10.244.6.6");
            assertThat(f.origin().transport()).isEqualTo(Transport.TCP);
        });
    }

    @Test
    void aProxyV2HeaderFromAnUntrustedSenderIsDroppedAsMalformed() throws Exception {
        proxy(c -> c.context(ContextCodes.DEFAULT, false, AllowList.parse(List.of("10.0.0.1"))));
        byte[] query = Wire.query("example.com.", Type.A, 17).toWire();
        assertThat(DnsClient.udpRaw(proxy.address(), concat(proxyHeader(0x12, "10.244.5.5", 41000), query), 400)).isNull();
        assertThat(proxy.metrics().count("dnsflow.drops", "reason", "proxy_untrusted")).isEqualTo(1.0);
        assertThat(upstream.received()).isEmpty();
        try (java.net.Socket s = new java.net.Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            s.setSoTimeout(3000);
            s.getOutputStream().write(proxyHeader(0x11, "10.244.6.6", 42000));
            assertThat(s.getInputStream().read()).as("connection closed").isEqualTo(-1);
        }
        assertThat(proxy.metrics().count("dnsflow.refused", "reason", "proxy_untrusted")).isEqualTo(1.0);
    }

    /** A PROXY v2 PROXY-command header for IPv4 (0x11 TCP, 0x12 UDP) from {@code ip:port} to 127.0.0.1:53. */
    static byte[] proxyHeader(int familyProtocol, String ip, int port) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.writeByte(0x21);
        out.writeByte(familyProtocol);
        out.writeShort(12);
        out.write(InetAddress.getByName(ip).getAddress());
        out.write(InetAddress.getByName("127.0.0.1").getAddress());
        out.writeShort(port);
        out.writeShort(53);
        return b.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
