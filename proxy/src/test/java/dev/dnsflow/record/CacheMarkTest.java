package dev.dnsflow.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.CacheMark;
import dev.dnsflow.flow.Extensions;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.testing.Flows;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cache's part of a flow: its JSON, read back, and through the ring's compact form. */
class CacheMarkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void isWrittenAsResultAndTtlLeftAndReadBack() throws Exception {
        Flow hit = Flows.sample().with(CacheMark.KEY, new CacheMark(CacheMark.Result.HIT, 17));
        String json = FlowJson.toJson(hit);
        assertThat(JSON.readTree(json).get("cache").toString()).isEqualTo("{\"result\":\"hit\",\"ttl_left\":17}");
        assertThat(Extensions.readJson(JSON.readTree(json)).get(CacheMark.KEY)).isEqualTo(hit.get(CacheMark.KEY));
        assertThatThrownBy(() -> Extensions.readJson(JSON.readTree("{\"cache\":{\"result\":\"warm\",\"ttl_left\":1}}")))
                .hasMessageContaining("cache.result");
    }

    @Test
    void everyResultSurvivesTheRing() {
        FlowRing ring = new FlowRing(8);
        List<Flow> flows = List.of(CacheMark.Result.values()).stream()
                .map(r -> Flows.sample().with(CacheMark.KEY, new CacheMark(r, r.ordinal() * 1000L))).toList();
        flows.forEach(ring::add);
        assertThat(ring.oldest(8)).extracting(f -> f.get(CacheMark.KEY))
                .containsExactlyElementsOf(flows.stream().map(f -> f.get(CacheMark.KEY)).toList());
    }
}
