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
