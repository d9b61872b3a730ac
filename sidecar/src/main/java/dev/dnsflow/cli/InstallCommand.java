package dev.dnsflow.cli;

import dev.dnsflow.k8s.install.InstallPlanner;
import dev.dnsflow.server.DnsProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dnsflow install}: dnsflow as a sidecar of the cluster's CoreDNS, in one command that can be taken back. */
@Command(name = "install", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Put dnsflow into the cluster's CoreDNS as a sidecar, so every query CoreDNS forwards becomes a flow.",
            "",
            "It finds CoreDNS (Deployment and Corefile ConfigMap), then, in this order:",
            "  1. creates what is missing: ClusterRole and ClusterRoleBinding 'dnsflow' (read pods, services, nodes, for names), "
                + "the admin token Secret 'dnsflow-admin-token' (a random token);",
            "  2. adds the sidecar container (k8s/deploy/overlays/coredns-sidecar) to the Deployment; CoreDNS's pods restart "
                + "one by one;",
            "  3. waits until every CoreDNS pod runs it (--wait), because",
            "  4. then points the Corefile at it (forward . 127.0.0.1:5353, dnstap to its socket, the rewrite rules of "
                + "`dnsflow corefile`), and a CoreDNS pod without the sidecar would forward into nothing. CoreDNS's reload "
                + "plugin picks the Corefile up by itself, within about a minute and a half.",
            "",
            "What it changed is recorded on the objects (annotations dnsflow.dev/...), so `dnsflow uninstall` puts them back "
                + "byte for byte. Running install again changes nothing, or only what differs (a new --image). A failure "
                + "part-way (a rollout that does not finish, a refused write) undoes what install wrote. On AKS (the addon manager reconciles CoreDNS) and GKE (kube-dns, not "
                + "CoreDNS) it refuses and says what works there; on k3s and EKS it warns who may undo it.",
            ""},
        footer = {"", "Examples:",
            "  ./mvnw -q package -DskipTests -Dimage=registry.example.com/dnsflow:0.1.0      (build the image and push it)",
            "  dnsflow install --image registry.example.com/dnsflow:0.1.0 --dry-run",
            "  dnsflow install --image registry.example.com/dnsflow:0.1.0 --dry-run -o yaml > dnsflow-install.yaml",
            "  dnsflow install --image registry.example.com/dnsflow:0.1.0",
            "  dnsflow observe --kubernetes"})
public final class InstallCommand implements Callable<Integer> {
    static final String DEFAULT_WAIT = "5m";

    @Spec
    CommandSpec spec;

    @Mixin
    CorednsOptions coredns;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "sidecar",
            description = "How dnsflow goes in: sidecar (in CoreDNS's pods, between CoreDNS and its upstream); the only mode so far.")
    String mode;

    @Option(names = "--image", paramLabel = "REF", required = true,
            description = "The dnsflow image the cluster pulls (build and push it with the image module: README, "
                    + "'Container image').")
    String image;

    @Option(names = "--dry-run", description = "Say what would be written, write nothing.")
    boolean dryRun;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
            description = "With --dry-run: print the objects install would write, as yaml (the only format), ready for "
                    + "kubectl apply -f (without resourceVersion, uid, status). The token Secret holds a random token made for "
                    + "this run; a real install makes another.")
    String output;

    @Option(names = "--wait", paramLabel = "DURATION", arity = "0..1", defaultValue = DEFAULT_WAIT, fallbackValue = DEFAULT_WAIT,
            converter = Converters.Time.class,
            description = "How long to wait for every CoreDNS pod to run the sidecar before the Corefile is changed (default "
                    + "and bare --wait: " + DEFAULT_WAIT + "). If the rollout does not finish in time, install undoes everything.")
    Duration wait;

    @Override
    public Integer call() {
        if (!"sidecar".equals(mode)) {
            throw new ParameterException(spec.commandLine(), "--mode: '" + mode + "': only 'sidecar' exists so far (dnsflow in CoreDNS's "
                    + "pods); the NodeLocal DaemonSet is k8s/deploy/overlays/nodelocal");
        }
        if (output != null && !dryRun) {
            throw new ParameterException(spec.commandLine(), "-o/--output works with --dry-run (it prints what would be written)");
        }
        if (output != null && !"yaml".equals(output)) {
            throw new ParameterException(spec.commandLine(), "-o/--output: '" + output + "': the format is yaml");
        }
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new ParameterException(spec.commandLine(), "--image: '" + image + "' is not an image reference (REGISTRY/NAME:TAG)");
        }
        if (wait.isZero() || wait.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--wait: must be longer than 0 (install must see the sidecar run "
                    + "before it changes the Corefile)");
        }
        return Plans.run(spec, coredns, dryRun, output != null,
                (client, found) -> new InstallPlanner(client, new SidecarCorefile()).plan(found, image, DnsProxy.version(), wait),
                found -> "dnsflow is installed in " + found.deploymentId() + " already; nothing changed",
                List.of("installed. CoreDNS reloads its Corefile within about a minute and a half; then:",
                        "  dnsflow status           each CoreDNS pod, its dnsflow and its flows of the last minute",
                        "  dnsflow observe --kubernetes",
                        "  dnsflow uninstall        puts everything back as it was"));
    }
}
