package dev.dnsflow.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dnsflow.flow.K8sRef;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.Flows;
import dev.dnsflow.testing.NamingEnricher;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * The filters and rankings by who asked in the cluster, through the admin API: flows named the way the
 * Kubernetes plugin names them (here by a test enricher: {@code web-*} names for pods of Deployment web,
 * {@code job.} for a bare pod in {@code shop}, anything else unknown).
 */
class AskerApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final K8sRef WEB_2 = new K8sRef(K8sRef.POD, "default", "web-2", "Deployment", "web", "worker-2");
    private static final K8sRef JOB = new K8sRef(K8sRef.POD, "shop", "job", null, null, "worker-2");

    private ScriptedUpstream upstream;
    private DnsProxy proxy;

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
        proxy = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1).build());
        proxy.recorder().enricher(new NamingEnricher(flow -> {
            String name = flow.query().name();
            return name.startsWith("web-1.") ? Flows.MYPOD : name.startsWith("web-2.") ? WEB_2
                    : name.startsWith("job.") ? JOB : null;
        }));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private void ask(String name) {
        DnsClient.udp(proxy.address(), Wire.query(name, Type.A, 4242));
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return new AdminHttp(proxy).get(pathAndQuery);
    }

    private List<String> names(String query) throws Exception {
        return new AdminHttp(proxy).names(query);
    }

    private void askAll() {
        ask("web-1.example.com.");
        ask("web-2.example.com.");
        ask("web-2.example.com.");
        ask("job.example.com.");
        ask("outside.example.com.");
    }

    @Test
    void filtersFlowsByTheNamespacePodWorkloadAndNodeOfWhoAsked() throws Exception {
        askAll();

        assertThat(names("?namespace=default")).containsExactly("web-2.example.com.", "web-2.example.com.", "web-1.example.com.");
        assertThat(names("?namespace=shop")).containsExactly("job.example.com.");
        assertThat(names("?pod=mypod")).containsExactly("web-1.example.com.");
        assertThat(names("?pod=web-*")).containsExactly("web-2.example.com.", "web-2.example.com.");
        assertThat(names("?workload=deployment/web&limit=1")).containsExactly("web-2.example.com.");
        assertThat(names("?workload=Pod/job")).as("a bare pod is its own workload, as top shows it")
                .containsExactly("job.example.com.");
        assertThat(names("?node=worker-2")).containsExactly("job.example.com.", "web-2.example.com.", "web-2.example.com.");
        assertThat(names("?node=worker-1&namespace=default")).containsExactly("web-1.example.com.");
        assertThat(names("")).as("unfiltered: the unknown asker too").hasSize(5);

        HttpResponse<String> bad = get("/api/v1/flows?pod=Web_1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("pod: 'Web_1'");
        HttpResponse<String> badStream = get("/api/v1/flows/stream?workload=a/b/c");
        assertThat(badStream.statusCode()).isEqualTo(400);
        assertThat(badStream.body()).contains("workload");
    }

    @Test
    void ranksNamespacesWorkloadsAndPodsWithUnknownAskersUnderAKeyOfTheirOwn() throws Exception {
        askAll();

        assertThat(top("namespace")).containsExactly("default=3", "(unknown)=1", "shop=1");
        assertThat(top("workload")).containsExactly("default/Deployment/web=3", "(unknown)=1", "shop/Pod/job=1");
        assertThat(top("pod")).containsExactly("default/web-2=2", "(unknown)=1", "default/mypod=1", "shop/job=1");
        assertThat(top("pod&namespace=default")).containsExactly("default/web-2=2", "default/mypod=1");

        HttpResponse<String> bad = get("/api/v1/top?by=pods");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("by: 'pods' must be name, client, upstream, namespace, workload or pod");
    }

    @Test
    void aCacheRefreshIsChargedToNoAskerNorName() throws Exception {
        askAll();
        proxy.recorder().drain(2000);
        dev.dnsflow.flow.Flow asked = proxy.ring().newest(1, f -> f.query().name().startsWith("web-2.")).get(0);
        proxy.recorder().accept(asked.with(dev.dnsflow.flow.CacheMark.KEY,
                new dev.dnsflow.flow.CacheMark(dev.dnsflow.flow.CacheMark.Result.REFRESH, 3))); // the cache's own query
        proxy.recorder().drain(2000);
        assertThat(names("?cache=refresh")).as("it is in the ring").containsExactly("web-2.example.com.");

        assertThat(top("pod")).containsExactly("default/web-2=2", "(unknown)=1", "default/mypod=1", "shop/job=1");
        assertThat(top("name")).contains("web-2.example.com.=2");
        assertThat(top("upstream")).as("its attempts are real traffic").containsExactly(upstream.address().getAddress()
                .getHostAddress() + ":" + upstream.address().getPort() + "=6");
    }

    private List<String> top(String by) throws Exception {
        HttpResponse<String> r = get("/api/v1/top?by=" + by);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode item : JSON.readTree(r.body()).get("items")) {
            out.add(item.get("key").asText() + "=" + item.get("count").asInt());
        }
        return out;
    }
}
