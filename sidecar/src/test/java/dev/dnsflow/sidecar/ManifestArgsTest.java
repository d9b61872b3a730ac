package dev.dnsflow.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The sidecar container in k8s/deploy runs flags this jar's CLI really has, with values it accepts: a flag
 * renamed here and not there would otherwise first show as a crash-looping CoreDNS pod.
 */
class ManifestArgsTest {
    private static final Path SIDECAR = Path.of("..", "k8s", "deploy", "overlays", "coredns-sidecar", "sidecar.yaml");

    @Test
    void theSidecarContainersArgsParseWithTheRealCommandLine() throws Exception {
        JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(SIDECAR));
        List<String> args = new ArrayList<>();
        for (JsonNode container : patch.path("spec").path("template").path("spec").path("containers")) {
            if (container.path("name").asText().equals("dnsflow")) {
                // the kubelet expands $(POD_IP) from the downward API before the process starts
                container.path("args").forEach(a -> args.add(a.asText().replace("$(POD_IP)", "10.244.0.9")));
            }
        }
        assertThat(args).as("the dnsflow container's args in " + SIDECAR).isNotEmpty().startsWith("sidecar");

        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));

        CommandLine.ParseResult sidecar = parsed.subcommand();
        assertThat(sidecar.commandSpec().name()).isEqualTo("sidecar");
        assertThat(sidecar.matchedOptions()).as("every arg is an option of dnsflow sidecar").hasSize(args.size() - 1);
        assertThat(sidecar.unmatched()).isEmpty();
    }

    private static final Path NODELOCAL = Path.of("..", "k8s", "deploy", "overlays", "nodelocal", "daemonset.yaml");

    @Test
    void theNodelocalDaemonSetsArgsParseWithTheRealCommandLine() throws Exception {
        JsonNode ds = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(NODELOCAL));
        List<String> args = new ArrayList<>();
        ds.path("spec").path("template").path("spec").path("containers").get(0).path("args")
                .forEach(a -> args.add(a.asText().replace("$(POD_IP)", "10.0.0.7")));
        assertThat(args).as("the dnsflow container's args in " + NODELOCAL).isNotEmpty().startsWith("nodelocal");

        CommandLine.ParseResult nodelocal = Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
        assertThat(nodelocal.commandSpec().name()).isEqualTo("nodelocal");
        assertThat(nodelocal.matchedOptions()).as("every arg is an option of dnsflow nodelocal").hasSize(args.size() - 1);
        assertThat(nodelocal.unmatched()).isEmpty();
    }
}
