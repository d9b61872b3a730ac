package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.ChaosMark;
import dev.dnsflow.flow.CorednsSide;
import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.FlowJson;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.flow.Origin;
import dev.dnsflow.flow.Transport;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.TestTag;
import org.junit.jupiter.api.Test;

/** What {@code observe} and {@code diagnose} read back from the API is the flow that was written, extensions included. */
class JsonFlowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFlowWithEveryPartReadsBackAsWritten() throws Exception {
        Flow s = Flows.sample();
        Flow full = new Flow(s.id(), s.timeEpochNanos(), s.client(), s.query(), s.attempts(), s.response(), s.durationMicros(),
                s.outcome(), new ChaosMark("slow", "delay", 250_000),
                new Origin("10.244.1.7", 40000, Transport.UDP, "edns0", "web-1", "shop", 24, 4242))
                .with(CorednsSide.KEY, new CorednsSide(Flows.TIME - 1000, Flows.TIME + 900_000, 3, 901, true))
                .with(TestTag.KEY, new TestTag("a capability no production code knows", 3, null))
                .withNames(new K8sNames(new K8sRef(K8sRef.POD, "shop", "web-1", "Deployment", "web", "worker-1"),
                        K8sRef.node("worker-1"), java.util.Arrays.asList(null, new K8sRef(K8sRef.SERVICE, "dns", "up", null, null, null))));
        for (Flow f : new Flow[] {s, full, full.with(CorednsSide.KEY, new CorednsSide(Flows.TIME, 0, -1, 0, false))}) {
            Flow back = JsonFlows.read(JSON.readTree(FlowJson.toJson(f)));
            assertThat(FlowJson.toJson(back)).isEqualTo(FlowJson.toJson(f));
            assertThat(back.extensions()).isEqualTo(f.extensions());
            assertThat(back.names()).isEqualTo(f.names());
        }
    }

    @Test
    void anExtensionItCannotReadIsAnErrorNamingIt() throws Exception {
        assertThat(TestTag.KEY.name()).as("registered before the JSON is read").isEqualTo("test_tag");
        String json = FlowJson.toJson(Flows.sample()).replace("\"duration_us\"", "\"test_tag\":{\"count\":1},\"duration_us\"");
        assertThatThrownBy(() -> JsonFlows.read(JSON.readTree(json))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test_tag.label");
    }
}
