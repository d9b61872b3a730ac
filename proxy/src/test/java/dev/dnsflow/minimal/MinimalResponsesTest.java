package dev.dnsflow.minimal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.plan.Flags;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.ProxyUnderTest;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;

import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** {@code --minimal-responses}: what a client gets back, with and without it. */
class MinimalResponsesTest {
    private final ProxyUnderTest stage = new ProxyUnderTest();

    MinimalResponsesTest() throws Exception {
        stage.upstream().script(ScriptedUpstream.answering(MinimalResponsesTest::fullAnswer));
    }

    @AfterEach
    void close() {
        stage.close();
    }

    @Test
    void aSuccessfulAnswerKeepsOnlyItsAnswersAndTheOptRecord() throws Exception {
        DnsProxy proxy = stage.start(c -> c.flags(minimal()));

        Message reply = DnsClient.udp(proxy.address(), Wire.ednsQuery("www.example.com.", Type.A, 7, 1232, false));

        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply.getSection(Section.ANSWER)).hasSize(2);
        assertThat(reply.getSection(Section.AUTHORITY)).isEmpty();
        assertThat(reply.getSection(Section.ADDITIONAL)).singleElement().isInstanceOf(OPTRecord.class);
        assertThat(proxy.chain()).containsSubsequence("chaos", "minimal", "forward");
    }

    @Test
    void withoutTheFlagTheAnswerIsRelayedWholeAndNoStageIsAdded() throws Exception {
        DnsProxy proxy = stage.start(c -> c);

        Message reply = DnsClient.udp(proxy.address(), Wire.ednsQuery("www.example.com.", Type.A, 7, 1232, false));

        assertThat(reply.getSection(Section.AUTHORITY)).hasSize(1);
        assertThat(reply.getSection(Section.ADDITIONAL)).hasSize(2); // the glue and OPT
        assertThat(proxy.chain()).doesNotContain("minimal");
    }

    @Test
    void aNegativeAnswerKeepsItsSoaForNegativeCaching() throws Exception {
        stage.upstream().script(ScriptedUpstream.answering(q -> {
            Message m = fullAnswer(q);
            m.removeAllRecords(Section.ANSWER);
            m.removeAllRecords(Section.AUTHORITY);
            m.getHeader().setRcode(Rcode.NXDOMAIN);
            m.addRecord(new SOARecord(name("example.com."), DClass.IN, 300, name("ns.example.com."),
                    name("admin.example.com."), 1, 3600, 600, 86400, 60), Section.AUTHORITY);
            return m;
        }));
        DnsProxy proxy = stage.start(c -> c.flags(minimal()));

        Message reply = DnsClient.udp(proxy.address(), Wire.ednsQuery("nope.example.com.", Type.A, 8, 1232, false));

        assertThat(reply.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(reply.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    }

    private static Flags minimal() {
        return Flags.of(Map.of("--minimal-responses", "true"));
    }

    /** Two answers, an NS in authority, glue and OPT in additional: what many authoritative servers send. */
    private static Message fullAnswer(Message query) {
        Message m = Wire.answer(query, "192.0.2.1", "192.0.2.2");
        m.getHeader().setFlag(org.xbill.DNS.Flags.AA);
        m.addRecord(new NSRecord(name("example.com."), DClass.IN, 300, name("ns.example.com.")), Section.AUTHORITY);
        m.addRecord(new ARecord(name("ns.example.com."), DClass.IN, 300, address("192.0.2.53")), Section.ADDITIONAL);
        m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return m;
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static java.net.InetAddress address(String text) {
        try {
            return java.net.InetAddress.getByName(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
