package dev.dnsflow.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.TestTag;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowExtensionTest {
    private static final CorednsSide SIDE = new CorednsSide(Flows.TIME - 1000, Flows.TIME + 900_000, 0, 901, true);
    private static final TestTag TAG = new TestTag("ünï", -7, 4242);

    @Test
    void aFlowWithoutExtensionsSharesTheOneEmptySet() {
        Flow plain = Flows.sample();
        assertThat(plain.extensions()).isSameAs(Extensions.NONE);
        assertThat(plain.get(CorednsSide.KEY)).isNull();
        assertThat(plain.with(TestTag.KEY, null).extensions()).isSameAs(Extensions.NONE);
        assertThat(plain.with(TestTag.KEY, TAG).with(TestTag.KEY, null).extensions()).isSameAs(Extensions.NONE);
    }

    @Test
    void withSetsReplacesAndRemovesLeavingTheOriginalAlone() {
        Flow plain = Flows.sample();
        Flow tagged = plain.with(TestTag.KEY, TAG).with(CorednsSide.KEY, SIDE);
        assertThat(tagged.get(TestTag.KEY)).isSameAs(TAG);
        assertThat(tagged.get(CorednsSide.KEY)).isSameAs(SIDE);
        TestTag other = new TestTag("other", 1, null);
        assertThat(tagged.with(TestTag.KEY, other).get(TestTag.KEY)).isSameAs(other);
        assertThat(tagged.with(CorednsSide.KEY, null).get(CorednsSide.KEY)).isNull();
        assertThat(tagged.with(CorednsSide.KEY, null).get(TestTag.KEY)).isSameAs(TAG);
        assertThat(plain.extensions().isEmpty()).isTrue();
        assertThat(tagged.extensions()).isEqualTo(plain.with(CorednsSide.KEY, SIDE).with(TestTag.KEY, TAG).extensions());
    }

    @Test
    void extensionsAreWrittenAfterChaosBeforeDurationInRegistrationOrderWhateverOrderTheyWereAdded() throws Exception {
        Flow flow = Flows.sample().with(TestTag.KEY, TAG).with(CorednsSide.KEY, SIDE);
        JsonNode json = new ObjectMapper().readTree(FlowJson.toJson(flow));
        assertThat(fieldNames(json)).containsExactly("id", "time", "client", "query", "attempts", "response", "coredns",
                "test_tag", "duration_us", "outcome");
        assertThat(json.get("test_tag").toString()).isEqualTo("{\"label\":\"ünï\",\"count\":-7,\"pod\":4242}");
        assertThat(FlowExtension.registered()).containsSubsequence(CorednsSide.KEY, TestTag.KEY);
    }

    @Test
    void extensionsReadBackFromJsonAsWritten() throws Exception {
        Flow flow = Flows.sample().with(TestTag.KEY, new TestTag("x", Long.MAX_VALUE, null)).with(CorednsSide.KEY, SIDE);
        Extensions back = Extensions.readJson(new ObjectMapper().readTree(FlowJson.toJson(flow)));
        assertThat(back).isEqualTo(flow.extensions());
        assertThat(Extensions.readJson(new ObjectMapper().readTree(FlowJson.toJson(Flows.sample())))).isSameAs(Extensions.NONE);
        assertThat(Extensions.readJson(new ObjectMapper().readTree("{\"coredns\":null,\"test_tag\":null}"))).isSameAs(Extensions.NONE);
    }

    @Test
    void aSecondKeyWithATakenNameFailsAtOnce() {
        assertThatThrownBy(() -> FlowExtension.register(new FlowExtension<>("coredns", codec())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'coredns' is registered twice");
        assertThatThrownBy(() -> FlowExtension.register(TestTag.KEY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'test_tag' is registered twice");
    }

    @Test
    void aKeyNobodyRegisteredFailsWhenUsedNamingTheFix() {
        FlowExtension<String> stray = new FlowExtension<>("stray", codec());
        assertThatThrownBy(() -> Flows.sample().with(stray, "x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'stray' is not registered").hasMessageContaining("FlowExtension$Provider");
        assertThat(Flows.sample().get(stray)).isNull();
    }

    @Test
    void namesAreLowerCaseAndNeverACoreField() {
        for (String core : List.of("id", "origin", "chaos", "duration_us", "outcome")) {
            assertThatThrownBy(() -> new FlowExtension<>(core, codec())).hasMessageContaining("core field");
        }
        assertThatThrownBy(() -> new FlowExtension<>("Cache", codec())).hasMessageContaining("lower case");
        assertThatThrownBy(() -> new FlowExtension<>("", codec())).hasMessageContaining("lower case");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static FlowExtension.Codec<String> codec() {
        return new FlowExtension.Codec<>() {
            @Override
            public void writeJson(String value, com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
                g.writeString(value);
            }

            @Override
            public String readJson(JsonNode node) {
                return node.asText();
            }

            @Override
            public void encode(String value, CompactWriter out) {
                out.writeString(value);
            }

            @Override
            public String decode(CompactReader in) {
                return in.readString();
            }
        };
    }
}
