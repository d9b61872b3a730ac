package dev.dnsflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.k8s.testing.MockCluster;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.server.ProxyConfig;
import dev.dnsflow.testing.CliRun;
import dev.dnsflow.testing.DnsClient;
import dev.dnsflow.testing.PodProxyApiServer;
import dev.dnsflow.testing.ScriptedUpstream;
import dev.dnsflow.testing.Wire;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * {@code dnsflow status} after {@code dnsflow install}: the CoreDNS objects live in fabric8's CRUD mock, the CoreDNS pods
 * and their pod proxy in {@link PodProxyApiServer}, which proxies one pod to a real dnsflow and hands everything else
 * to the mock.
 */
@EnableKubernetesMockClient(crud = true, https = false)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusCommandTest {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void showsEachCorednsPodsDnsflowWithItsVersionAndFlowsAndNoticesAReplacedCorefile() throws Exception {
        try (MockCluster cluster = new MockCluster(client);
             ScriptedUpstream upstream = ScriptedUpstream.start(ScriptedUpstream.answering(q -> Wire.answer(q, "192.0.2.1")));
             DnsProxy dnsflow = DnsProxy.start(ProxyConfig.builder(new InetSocketAddress("127.0.0.1", 0), List.of(upstream.address()))
                     .admin(new InetSocketAddress("127.0.0.1", 0)).eventLoops(1).build());
             PodProxyApiServer api = new PodProxyApiServer().backend(client.getConfiguration().getMasterUrl())) {
            cluster.load("kubeadm");
            cluster.rolloutsComplete();
            ConfigMap original = client.configMaps().inNamespace("kube-system").withName("coredns").get();
            assertThat(CliRun.dnsflow("install", "--image", "dnsflow:1.0", "--kubeconfig", cluster.kubeconfig(dir).toString()).code())
                    .isZero();
            for (int id = 1; id <= 3; id++) {
                assertThat(DnsClient.udp(dnsflow.address(), Wire.query("example.com.", Type.A, id))).isNotNull();
            }
            dnsflow.recorder().drain(2000);
            api.pod(corednsPod("coredns-a", "Running", dnsflow.adminAddress().getPort()));
            Path apiDir = java.nio.file.Files.createDirectories(dir.resolve("api"));
            String kubeconfig = api.kubeconfig(apiDir).toString();

            CliRun status = CliRun.dnsflow("status", "--kubeconfig", kubeconfig);

            assertThat(status.code()).as(status.out() + status.err()).isZero();
            assertThat(status.out()).contains("CoreDNS: Deployment kube-system/coredns").contains("kubeadm (or kind), CoreDNS 1.11.3")
                    .contains("dnsflow:  installed, mode sidecar (by dnsflow " + DnsProxy.version() + ")")
                    .contains("Corefile: points at dnsflow");
            assertThat(status.lines()).anySatisfy(l -> assertThat(l).startsWith("coredns-a ").contains(" Running ").contains(" 2/2 ")
                    .contains(" dnsflow:1.0 ").contains(" " + DnsProxy.version() + " ").endsWith(" 3"));

            api.pod(corednsPod("coredns-b", "Pending", 9553));
            ConfigMap replaced = client.configMaps().inNamespace("kube-system").withName("coredns").get();
            replaced.getData().put("Corefile", original.getData().get("Corefile")); // an add-on update put the stock one back
            client.resource(replaced).update();

            CliRun later = CliRun.dnsflow("status", "--kubeconfig", kubeconfig);

            assertThat(later.code()).as("a pod's dnsflow did not answer, and the Corefile no longer points at it").isEqualTo(1);
            assertThat(later.out()).contains("Corefile: does NOT point at dnsflow: it was replaced since install")
                    .contains("run dnsflow install again");
            assertThat(later.lines()).anySatisfy(l -> assertThat(l).startsWith("coredns-b ").contains(" Pending ").endsWith("? not running"));

            // a rollout undo: a pod without the sidecar, while the Corefile (patched again) forwards to it
            assertThat(CliRun.dnsflow("install", "--image", "dnsflow:1.0", "--kubeconfig", cluster.kubeconfig(dir).toString()).code())
                    .isZero();
            api.pod(new PodBuilder(corednsPod("coredns-c", "Running", 9553)).editSpec().removeMatchingFromContainers(
                    c -> c.getName().equals("dnsflow")).endSpec().build());

            CliRun broken = CliRun.dnsflow("status", "--kubeconfig", kubeconfig);

            assertThat(broken.code()).isEqualTo(1);
            assertThat(broken.out()).contains("DNS IS FAILING in coredns-c: the Corefile forwards to dnsflow");
        }
    }

    private static io.fabric8.kubernetes.api.model.Pod corednsPod(String name, String phase, int adminPort) {
        boolean running = phase.equals("Running");
        return new PodBuilder().withNewMetadata().withNamespace("kube-system").withName(name).addToLabels("k8s-app", "kube-dns")
                .addToLabels("app.kubernetes.io/name", "dnsflow").endMetadata()
                .withNewSpec().addNewContainer().withName("coredns").withImage("registry.k8s.io/coredns/coredns:v1.11.3").endContainer()
                .addNewContainer().withName("dnsflow").withImage("dnsflow:1.0").addNewPort().withName("admin").withContainerPort(adminPort)
                .endPort().endContainer().endSpec()
                .withNewStatus().withPhase(phase).withPodIP(running ? "127.0.0.1" : null)
                .addNewContainerStatus().withName("coredns").withReady(running).endContainerStatus()
                .addNewContainerStatus().withName("dnsflow").withReady(running).endContainerStatus().endStatus().build();
    }
}
