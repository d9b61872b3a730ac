package dev.dnsflow.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import dev.dnsflow.testing.Flows;
import org.junit.jupiter.api.Test;

class FlowJsonTest {
    @Test
    void writesTheContractFieldNames() throws Exception {
        JsonNode json = new ObjectMapper().readTree(FlowJson.toJson(Flows.sample()));
        assertThat(names(json)).containsExactly("attempts", "client", "duration_us", "id", "outcome", "query", "response", "time");
        assertThat(names(json.get("client"))).containsExactly("ip", "port", "transport");
        assertThat(names(json.get("query"))).containsExactly("cd", "class", "do", "edns_size", "id", "name", "rd", "size", "type");
        assertThat(names(json.get("attempts").get(0))).containsExactly("id", "outcome", "rtt_us", "sent", "transport", "upstream");
        assertThat(names(json.get("response"))).containsExactly("addresses", "answers", "rcode", "size", "truncated");
    }

    @Test
    void writesValuesAsOperatorsReadThem() throws Exception {
        JsonNode json = new ObjectMapper().readTree(FlowJson.toJson(Flows.sample()));
        assertThat(json.get("time").asText()).isEqualTo("2025-11-25T19:21:17.123456789Z");
        assertThat(json.get("client").get("transport").asText()).isEqualTo("udp");
        assertThat(json.get("query").get("type").asText()).isEqualTo("A");
        assertThat(json.get("query").get("class").asText()).isEqualTo("IN");
        assertThat(json.get("query").get("do").asBoolean()).isTrue();
        assertThat(json.get("attempts").get(0).get("outcome").asText()).isEqualTo("timeout");
        assertThat(json.get("attempts").get(1).get("id").asInt()).isEqualTo(17);
        assertThat(json.get("response").get("rcode").asText()).isEqualTo("NOERROR");
        assertThat(json.get("response").get("addresses").get(0).asText()).isEqualTo("192.0.2.1");
        assertThat(json.get("outcome").asText()).isEqualTo("answered");
        assertThat(json.get("duration_us").asLong()).isEqualTo(812);
    }

    /** Byte for byte what FlowJson wrote when CoreDNS's side was a field of Flow rather than an extension. */
    @Test
    void corednsSideIsWrittenExactlyAsBeforeItBecameAnExtension() {
        Flow answered = new Flow("01JF0000000000000000000000", Flows.TIME, new Endpoint("10.244.0.5", 50759, Transport.UDP),
                new QueryInfo(29008, "example.com.", 1, 1, true, false, true, 1232, 52),
                List.of(new Attempt("10.0.0.3:53", Transport.UDP, 17, Flows.TIME + 2000, 450, AttemptOutcome.ANSWERED)),
                new FlowResponse(0, 1, 68, false, new byte[] {4, (byte) 192, 0, 2, 1}), 812, Outcome.ANSWERED,
                new ChaosMark("slow", "delay", 250_000),
                new Origin("10.244.1.7", 40000, Transport.UDP, "edns0", "web-1", "shop", 24, 4242))
                .joined(null, new CorednsSide(Flows.TIME - 1000, Flows.TIME + 900_000, 3, 901, true));
        Flow unanswered = new Flow("01JF0000000000000000000001", Flows.TIME, new Endpoint("10.244.0.5", 50759, Transport.TCP),
                new QueryInfo(7, "x.example.", 28, 1, true, false, false, 0, 30), List.of(), null, 0,
                Outcome.UNANSWERED_AT_COREDNS)
                .joined(new Origin("10.244.0.9", 5353, Transport.UDP, "dnstap", null, null, null, 77),
                        new CorednsSide(Flows.TIME, 0, -1, 0, false));
        assertThat(FlowJson.toJson(answered)).isEqualTo(
                "{\"id\":\"01JF0000000000000000000000\",\"time\":\"2025-11-25T19:21:17.123456789Z\","
                + "\"client\":{\"ip\":\"10.244.0.5\",\"port\":50759,\"transport\":\"udp\"},"
                + "\"origin\":{\"ip\":\"10.244.1.7\",\"port\":40000,\"transport\":\"udp\",\"source\":\"edns0\","
                + "\"pod\":\"web-1\",\"namespace\":\"shop\",\"prefix\":24,\"subnet\":true,\"id\":4242},"
                + "\"query\":{\"id\":29008,\"name\":\"example.com.\",\"type\":\"A\",\"class\":\"IN\","
                + "\"rd\":true,\"cd\":false,\"do\":true,\"edns_size\":1232,\"size\":52},"
                + "\"attempts\":[{\"upstream\":\"10.0.0.3:53\",\"transport\":\"udp\",\"id\":17,"
                + "\"sent\":\"2025-11-25T19:21:17.123458789Z\",\"rtt_us\":450,\"outcome\":\"answered\"}],"
                + "\"response\":{\"rcode\":\"NOERROR\",\"answers\":1,\"addresses\":[\"192.0.2.1\"],\"size\":68,"
                + "\"truncated\":false},\"chaos\":{\"rule\":\"slow\",\"action\":\"delay\",\"delay_us\":250000},"
                + "\"coredns\":{\"received\":\"2025-11-25T19:21:17.123455789Z\","
                + "\"responded\":\"2025-11-25T19:21:17.124356789Z\",\"rcode\":\"NXDOMAIN\",\"duration_us\":901,"
                + "\"forwarded\":true},\"duration_us\":812,\"outcome\":\"answered\"}");
        assertThat(FlowJson.toJson(unanswered)).isEqualTo(
                "{\"id\":\"01JF0000000000000000000001\",\"time\":\"2025-11-25T19:21:17.123456789Z\","
                + "\"client\":{\"ip\":\"10.244.0.5\",\"port\":50759,\"transport\":\"tcp\"},"
                + "\"origin\":{\"ip\":\"10.244.0.9\",\"port\":5353,\"transport\":\"udp\",\"source\":\"dnstap\","
                + "\"id\":77},\"query\":{\"id\":7,\"name\":\"x.example.\",\"type\":\"AAAA\",\"class\":\"IN\","
                + "\"rd\":true,\"cd\":false,\"do\":false,\"edns_size\":0,\"size\":30},\"attempts\":[],"
                + "\"coredns\":{\"received\":\"2025-11-25T19:21:17.123456789Z\",\"forwarded\":false},"
                + "\"duration_us\":0,\"outcome\":\"unanswered_at_coredns\"}");
    }

    /** Each cluster object sits with the address it names, in the shape the issue promised users and jq scripts. */
    @Test
    void clusterNamesSitWithTheAddressTheyName() throws Exception {
        Flow s = Flows.sample();
        K8sRef pod = new K8sRef(K8sRef.POD, "default", "mypod", "Deployment", "web", "worker-1");
        K8sRef coredns = new K8sRef(K8sRef.POD, "kube-system", "coredns-7db6d8ff4d-x2x9k", "Deployment", "coredns", "worker-2");
        K8sRef upstream = new K8sRef(K8sRef.SERVICE, "dns", "unbound", null, null, null);
        Flow named = new Flow(s.id(), s.timeEpochNanos(), s.client(), s.query(), s.attempts(), s.response(), s.durationMicros(),
                s.outcome(), null, new Origin("10.244.1.7", 40000, Transport.UDP, "edns0", null, null, null))
                .withNames(new K8sNames(pod, coredns, java.util.Arrays.asList(null, upstream)));
        JsonNode json = new ObjectMapper().readTree(FlowJson.toJson(named));
        assertThat(json.get("origin").get("k8s").toString()).isEqualTo("{\"kind\":\"pod\",\"namespace\":\"default\","
                + "\"name\":\"mypod\",\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"},\"node\":\"worker-1\"}");
        assertThat(json.get("client").get("k8s").get("name").asText()).isEqualTo("coredns-7db6d8ff4d-x2x9k");
        assertThat(json.get("attempts").get(0).has("upstream_k8s")).as("first upstream is outside the cluster").isFalse();
        assertThat(json.get("attempts").get(1).get("upstream_k8s").toString())
                .isEqualTo("{\"kind\":\"service\",\"namespace\":\"dns\",\"name\":\"unbound\"}");
        assertThat(FlowJson.toJson(s)).as("a flow without names is written as before").doesNotContain("k8s");
        assertThat(s.withNames(new K8sNames(null, null, java.util.Arrays.asList(null, null))).names())
                .as("nothing known is no names at all").isNull();
    }

    @Test
    void timeAlwaysHasNineFractionDigits() {
        assertThat(FlowJson.time(1_000_000_000L)).isEqualTo("1970-01-01T00:00:01.000000000Z");
    }

    @Test
    void flowIdsAreUniqueAndSortByTime() {
        FlowIds ids = new FlowIds(3);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            out.add(ids.next(1_700_000_000_000L + i / 10));
        }
        assertThat(out).doesNotHaveDuplicates().isSorted();
        assertThat(out.get(0)).hasSize(26).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(new FlowIds(3).next(2_000_000_000_000L)).isGreaterThan(out.get(999));
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }
}
