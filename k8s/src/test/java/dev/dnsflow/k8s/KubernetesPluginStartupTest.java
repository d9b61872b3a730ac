package dev.dnsflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dnsflow.k8s.FakeApiServer.Resource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --kubernetes on} refuses to start naming the cause; {@code auto} starts, answers DNS and says why
 * names are missing in exactly one line; {@code off} never asks. Each cause as an operator meets it: no
 * configuration anywhere, a token refused, a role without {@code list pods}, an API server not listening.
 */
class KubernetesPluginStartupTest {
    @TempDir
    Path home;

    private final FakeApiServer api = new FakeApiServer();

    @AfterEach
    void stop() {
        api.close();
    }

    /** Outside a pod, with an empty home and no $KUBECONFIG: nothing to find unless a flag names it. */
    private Map<String, String> env() {
        return Map.of("HOME", home.toString());
    }

    enum Cause {
        NO_CONFIG("no Kubernetes configuration"),
        UNAUTHORIZED("401"),
        FORBIDDEN("forbidden to list pods at cluster scope (403)"),
        UNREACHABLE("cannot reach the API server at http://127.0.0.1:");

        final String named;

        Cause(String named) {
            this.named = named;
        }
    }

    /** Puts the fake API server in the state of {@code cause}; the flags that point the plugin at it. */
    private String[] arrange(Cause cause, String mode) {
        switch (cause) {
            case NO_CONFIG -> {
                return new String[] {"--kubernetes", mode};
            }
            case UNAUTHORIZED -> api.onEverything(FakeApiServer.status(401, "Unauthorized", "Unauthorized"));
            case FORBIDDEN -> api.onList(Resource.PODS, FakeApiServer.forbidden("pods"));
            case UNREACHABLE -> {
                return flags(mode, "dead");
            }
        }
        return flags(mode, "fake");
    }

    /** {@code --kubernetes MODE --kubeconfig FILE}, the file's current context being {@code context}. */
    private String[] flags(String mode, String context) {
        return new String[] {"--kubernetes", mode, "--kubeconfig", api.kubeconfig(home, context).toString()};
    }

    @ParameterizedTest
    @EnumSource(Cause.class)
    void onRefusesToStartNamingTheCause(Cause cause) {
        String[] flags = arrange(cause, "on");
        long start = System.nanoTime();

        assertThatThrownBy(() -> KubeProxy.start(env(), flags).close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("--kubernetes on: ")
                .hasMessageContaining(cause.named);
        assertThat((System.nanoTime() - start) / 1_000_000).as("refused in ms, not after the 10 s check timeout")
                .isLessThan(5_000);
    }

    @Test
    void aForbiddenListNamesTheVerbTheResourceAndWhatTheRoleNeeds() {
        String[] flags = arrange(Cause.FORBIDDEN, "on");

        assertThatThrownBy(() -> KubeProxy.start(env(), flags).close())
                .hasMessageContaining("list pods")
                .hasMessageContaining("cannot list resource \"pods\"")
                .hasMessageContaining(ApiAccess.ROLE_HINT);
    }

    @ParameterizedTest
    @EnumSource(Cause.class)
    void autoStartsServesDnsAndSaysWhyInOneLine(Cause cause) throws Exception {
        try (KubeProxy proxy = KubeProxy.start(env(), arrange(cause, "auto"))) {
            assertThat(proxy.ask("www.example.com.")).as("answered").isPositive();

            assertThat(proxy.awaitNotices(5_000)).singleElement().asString()
                    .matches("Kubernetes names (off|unavailable)[^\n]*")
                    .contains(cause.named);
            assertThat(proxy.ask("www.example.org.")).as("still answering").isPositive();
        }
    }

    @Test
    void autoWithAWorkingApiSaysNothing() throws Exception {
        try (KubeProxy proxy = KubeProxy.start(env(), flags("auto", "fake"))) {
            assertThat(proxy.ask("www.example.com.")).isPositive();
            assertThat(proxy.checked()).as("the background check found no problem").isNull();
            assertThat(proxy.notices()).isEmpty();
        }
    }

    @Test
    void offNeverContactsTheApi() throws Exception {
        Path kubeconfig = api.kubeconfig(home, "fake");
        try (KubeProxy proxy = KubeProxy.start(env(), "--kubernetes", "off", "--kubeconfig", kubeconfig.toString())) {
            assertThat(proxy.ask("www.example.com.")).isPositive();
            Thread.sleep(500);
            assertThat(proxy.notices()).isEmpty();
            assertThat(proxy.synced("pods")).as("no informer").isEqualTo(-1);
        }
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void contextPicksTheApiServerOverTheCurrentContext() throws Exception {
        Path kubeconfig = api.kubeconfig(home, "dead");
        try (KubeProxy proxy = KubeProxy.start(env(), "--kubernetes", "on", "--kubeconfig", kubeconfig.toString(),
                "--context", "fake")) {
            assertThat(proxy.ask("www.example.com.")).isPositive();
        }
        assertThat(api.lists(Resource.PODS)).as("the preflight and the informer listed pods here").isPositive();
        assertThat(api.requests()).allSatisfy(r -> assertThat(r.getHeader("Authorization"))
                .isEqualTo("Bearer " + FakeApiServer.TOKEN));
    }

    @Test
    void anUnknownContextIsAnErrorNamingTheFlag() {
        Path kubeconfig = api.kubeconfig(home, "fake");

        assertThatThrownBy(() -> KubeProxy.start(env(), "--kubernetes", "auto", "--kubeconfig", kubeconfig.toString(),
                "--context", "prod").close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("--context prod: no such context in --kubeconfig " + kubeconfig)
                .hasMessageContaining("(it has ");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void aKubeconfigFromTheEnvironmentHonoursContext() throws Exception {
        Path kubeconfig = api.kubeconfig(home, "dead");
        Map<String, String> env = Map.of("HOME", home.toString(), "KUBECONFIG", kubeconfig.toString());
        try (KubeProxy proxy = KubeProxy.start(env, "--kubernetes", "on", "--context", "fake")) {
            assertThat(proxy.ask("www.example.com.")).isPositive();
        }
    }
}
