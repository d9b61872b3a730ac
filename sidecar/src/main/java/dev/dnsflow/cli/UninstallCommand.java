package dev.dnsflow.cli;

import dev.dnsflow.k8s.install.UninstallPlanner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dnsflow uninstall}: CoreDNS as it was before {@code dnsflow install}, from what install recorded on it. */
@Command(name = "uninstall", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Take dnsflow out of CoreDNS again, putting back what `dnsflow install` changed, byte for byte:",
            "  1. the Corefile from before install (kept in the ConfigMap's dnsflow.dev/original-corefile annotation); "
                + "CoreDNS forwards straight upstream again once it reloads it;",
            "  2. deletes what install created (ClusterRole, ClusterRoleBinding, token Secret) and still labelled as its own, "
                + "nothing it found there;",
            "  3. the Deployment's pod template without the sidecar container, its volumes, CoreDNS's mount and the label "
                + "(the template from before install, when nothing else changed in it; other changes made since stay).",
            "",
            "If the Corefile was edited since install, putting the original back would lose that edit: uninstall refuses, "
                + "naming it, unless --force. A failure part-way is not undone (that could point CoreDNS at a sidecar that is gone): "
                + "it says what was done and what not, and running uninstall again finishes it. When dnsflow is not installed it "
                + "changes nothing.",
            ""},
        footer = {"", "Examples:", "  dnsflow uninstall --dry-run", "  dnsflow uninstall --wait"})
public final class UninstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CorednsOptions coredns;

    @Option(names = "--force", description = "Put back the Corefile from before install even if it was edited since.")
    boolean force;

    @Option(names = "--dry-run", description = "Say what would be written, write nothing.")
    boolean dryRun;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
            description = "With --dry-run: print exactly the objects uninstall would write, as yaml.")
    String output;

    @Option(names = "--wait", paramLabel = "DURATION", arity = "0..1", fallbackValue = InstallCommand.DEFAULT_WAIT,
            converter = Converters.Time.class,
            description = "Wait until CoreDNS's pods run without the sidecar (bare --wait: up to " + InstallCommand.DEFAULT_WAIT
                    + "); default: do not wait.")
    Duration wait;

    @Override
    public Integer call() {
        if (wait != null && (wait.isZero() || wait.isNegative())) {
            throw new ParameterException(spec.commandLine(), "--wait: must be longer than 0 (or left out, not to wait)");
        }
        if (output != null && (!dryRun || !"yaml".equals(output))) {
            throw new ParameterException(spec.commandLine(), "-o/--output: '" + output + "': works with --dry-run, as yaml");
        }
        return Plans.run(spec, coredns, dryRun, output != null,
                (client, found) -> new UninstallPlanner(client, new SidecarCorefile()).plan(found, force, wait),
                found -> "dnsflow is not installed in " + found.deploymentId() + " (no dnsflow.dev/ annotations); nothing changed",
                List.of("uninstalled: CoreDNS is as it was before install" + (wait == null
                        ? "; its pods restart without the sidecar now (--wait waits for that)" : "")));
    }
}
