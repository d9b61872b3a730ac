package dev.dnsflow.cli;

import dev.dnsflow.k8s.install.Coredns;
import dev.dnsflow.k8s.install.Plan;
import dev.dnsflow.k8s.install.Step;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;

/** How install and uninstall show what they found and, in a dry run, what they would do. */
final class PlanPrinter {
    private PlanPrinter() {
    }

    static String found(Coredns c) {
        String version = c.corednsVersion();
        return "CoreDNS: Deployment " + c.deploymentId() + ", Corefile in ConfigMap " + c.configMapId() + " (key " + c.corefileKey()
                + "); " + c.distribution().label() + (version == null ? "" : ", CoreDNS " + version);
    }

    /** @param objects print the objects as YAML documents instead of sentences */
    static void dryRun(Plan plan, boolean objects, KubernetesSerialization json, PrintWriter out) {
        if (objects) {
            for (Step step : plan.steps()) {
                if (step.object() != null) {
                    String yaml = json.asYaml(step.object());
                    out.print(yaml.startsWith("---") ? yaml : "---\n" + yaml);
                }
            }
            return;
        }
        if (plan.steps().isEmpty()) {
            out.println("dry run: nothing to do");
            return;
        }
        out.println("dry run: nothing is written. It would, in this order:");
        for (Step step : plan.steps()) {
            out.println("  " + step.describe());
        }
        out.println("Changes:");
        plan.changes().forEach(c -> out.println("  " + c));
    }
}
