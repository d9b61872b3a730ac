package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the configuration comes from: an explicit file and its contexts, ~/.kube/config, in-cluster, nothing. */
class KubeConfigsTest {
    @TempDir
    Path dir;

    private Path kubeconfig(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: one
                  cluster: {server: "https://one.example:6443"}
                - name: two
                  cluster: {server: "https://two.example:6443"}
                contexts:
                - name: one
                  context: {cluster: one, user: u}
                - name: two
                  context: {cluster: two, user: u}
                current-context: one
                users:
                - name: u
                  user: {token: t}
                """);
    }

    @Test
    void anExplicitFileWinsAndItsContextsCanBeChosen() throws IOException {
        Path file = kubeconfig(dir.resolve("explicit"));
        Path home = dir.resolve("home");
        kubeconfig(home.resolve(".kube/config"));
        Map<String, String> inCluster = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

        KubeConfigs.Resolved current = KubeConfigs.resolve(file, null, inCluster, home);
        assertThat(current.config().getMasterUrl()).startsWith("https://one.example:6443");
        assertThat(current.source()).isEqualTo("--kubeconfig " + file);
        KubeConfigs.Resolved two = KubeConfigs.resolve(file, "two", inCluster, home);
        assertThat(two.config().getMasterUrl()).startsWith("https://two.example:6443");
        assertThat(two.source()).endsWith(", context two");
    }

    @Test
    void withoutAFileTheHomeKubeconfigComesBeforeTheServiceAccount() throws IOException {
        Path home = dir.resolve("home");
        Path config = kubeconfig(home.resolve(".kube/config"));

        KubeConfigs.Resolved r = KubeConfigs.resolve(null, "two", Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), home);

        assertThat(r.config().getMasterUrl()).startsWith("https://two.example:6443");
        assertThat(r.source()).isEqualTo(config + ", context two");
    }

    @Test
    void nothingToGoOnSaysWhatWasTried() {
        Path home = dir.resolve("empty-home");

        assertThatThrownBy(() -> KubeConfigs.resolve(null, null, Map.of(), home)).isInstanceOf(KubeConfigs.NotFound.class)
                .hasMessage("no Kubernetes configuration: no --kubeconfig, $KUBECONFIG unset, no " + home.resolve(".kube/config")
                        + ", not running in a pod (KUBERNETES_SERVICE_HOST unset)");
        assertThatThrownBy(() -> KubeConfigs.resolve(dir.resolve("missing"), null, Map.of(), home))
                .hasMessageContaining("cannot read " + dir.resolve("missing"));
        assertThatThrownBy(() -> KubeConfigs.resolve(null, "two", Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), home))
                .hasMessageStartingWith("--context two: no kubeconfig");
    }

    @Test
    void anUnknownContextIsAnError() throws IOException {
        Path file = kubeconfig(dir.resolve("explicit"));

        assertThatThrownBy(() -> KubeConfigs.resolve(file, "three", Map.of(), dir)).isInstanceOf(KubeConfigs.NotFound.class)
                .hasMessage("--context three: no such context in --kubeconfig " + file + " (it has one, two)");
    }
}
