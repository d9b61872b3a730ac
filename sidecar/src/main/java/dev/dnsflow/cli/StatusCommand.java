package dev.dnsflow.cli;

import dev.dnsflow.k8s.install.Coredns;
import dev.dnsflow.k8s.install.InstallStatus;
import dev.dnsflow.k8s.install.InstallStatus.PodState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dnsflow status}: is dnsflow in CoreDNS, is the Corefile pointing at it, and is each pod's dnsflow working. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Show whether dnsflow is installed in the cluster's CoreDNS and working: the mode, whether the Corefile points "
                + "at dnsflow (an add-on update or a k3s restart may have put the stock one back), and per CoreDNS pod its "
                + "readiness, the dnsflow image, the version the running dnsflow reports and its flows of the last minute "
                + "(read through the API server's pod proxy).",
            "",
            "Exit code 0 when installed and every pod's dnsflow answered, 1 otherwise.",
            ""},
        footer = {"", "Example:", "  dnsflow status --context prod"})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CorednsOptions coredns;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.Time.class,
            description = "How long to wait for each pod's dnsflow to answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (KubernetesClient client = coredns.client()) {
            Coredns found = coredns.find(client);
            InstallStatus s = InstallStatus.read(client, found, new SidecarCorefile(), timeout);
            out.println(Plans.found(found));
            out.println("dnsflow:  " + (s.installed() ? "installed, mode sidecar (by dnsflow " + s.installedBy() + ")" : "not installed"));
            out.println("Corefile: " + corefile(s));
            int answered = 0;
            int withSidecar = 0;
            out.printf("%-40s %-8s %-7s %-40s %-16s %s%n", "POD", "PHASE", "READY", "DNSFLOW IMAGE", "VERSION", "FLOWS/1m");
            for (PodState p : s.pods()) {
                if (p.image() != null) {
                    withSidecar++;
                }
                if (p.flowsLastMinute() >= 0) {
                    answered++;
                }
                out.printf("%-40s %-8s %-7s %-40s %-16s %s%n", p.name(), p.phase(), p.readyContainers() + "/" + p.containers(),
                        p.image() == null ? "-" : p.image(), p.version() == null ? "-" : p.version(),
                        p.flowsLastMinute() >= 0 ? Long.toString(p.flowsLastMinute()) : p.problem() == null ? "-" : "? " + p.problem());
            }
            if (s.pods().isEmpty()) {
                out.println("(no pods)");
            }
            List<String> broken = s.podsForwardingIntoNothing();
            if (!broken.isEmpty()) {
                out.println("DNS IS FAILING in " + String.join(", ", broken) + ": the Corefile forwards to dnsflow on 127.0.0.1:5353, "
                        + "but these pods run no dnsflow container (a rollout undo, or the Deployment put back by an add-on "
                        + "update?). Run dnsflow install again, or dnsflow uninstall");
            }
            out.flush();
            return s.installed() && withSidecar > 0 && answered == withSidecar && s.corefilePointsAtDnsflow() && broken.isEmpty() ? 0 : 1;
        }
    }

    private static String corefile(InstallStatus s) {
        if (s.corefilePointsAtDnsflow()) {
            return "points at dnsflow" + (s.corefileEditedSinceInstall() ? " (edited since install)" : "");
        }
        if (s.installed()) {
            return "does NOT point at dnsflow: it was replaced since install (an add-on update, a k3s restart, an edit?); "
                    + "run dnsflow install again to patch it";
        }
        return "does not point at dnsflow";
    }
}
