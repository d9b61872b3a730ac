package dev.dnsflow.cli;

import dev.dnsflow.k8s.install.Changes;
import dev.dnsflow.k8s.install.Coredns;
import dev.dnsflow.k8s.install.Plan;
import dev.dnsflow.k8s.install.Step;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/** What install and uninstall share: find CoreDNS, plan, then say what would happen (a dry run) or do it, line by line. */
final class Plans {
    private Plans() {
    }

    /**
     * @param yaml with a dry run: print the objects instead of sentences (and nothing else on standard output)
     * @param nothing what to say when the plan writes nothing
     * @param done what to say when it is done
     */
    static int run(CommandSpec spec, CorednsOptions coredns, boolean dryRun, boolean yaml,
                   BiFunction<KubernetesClient, Coredns, Plan> planner, Function<Coredns, String> nothing, List<String> done) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (KubernetesClient client = coredns.client()) {
            Coredns found = coredns.find(client);
            if (!yaml) {
                out.println(found(found));
            }
            Plan plan = planner.apply(client, found);
            plan.warnings().forEach(w -> err.println("warning: " + w));
            err.flush();
            if (dryRun) {
                dryRun(plan, yaml, client.getKubernetesSerialization(), out);
            } else if (!plan.writes()) {
                out.println(nothing.apply(found));
            } else {
                out.flush();
                new Changes(client, line -> {
                    out.println(line);
                    out.flush();
                }).apply(plan);
                done.forEach(out::println);
            }
            out.flush();
            return 0;
        }
    }

    static String found(Coredns c) {
        String version = c.corednsVersion();
        return "CoreDNS: Deployment " + c.deploymentId() + ", Corefile in ConfigMap " + c.configMapId() + " (key " + c.corefileKey()
                + "); " + c.distribution().label() + (version == null ? "" : ", CoreDNS " + version);
    }

    /**
     * The object as {@code kubectl apply -f} takes it: without what the API server keeps about it (resourceVersion, uid,
     * managedFields, status), which would make the apply fail or fight the server.
     */
    private static HasMetadata applicable(HasMetadata object, KubernetesSerialization json) {
        HasMetadata o = json.clone(object);
        ObjectMeta m = o.getMetadata();
        m.setResourceVersion(null);
        m.setUid(null);
        m.setManagedFields(null);
        m.setCreationTimestamp(null);
        m.setGeneration(null);
        if (o instanceof Deployment d) {
            d.setStatus(null);
        }
        return o;
    }

    private static void dryRun(Plan plan, boolean yaml, KubernetesSerialization json, PrintWriter out) {
        if (yaml) {
            for (Step step : plan.steps()) {
                if (step.object() != null) {
                    String text = json.asYaml(applicable(step.object(), json));
                    out.print(text.startsWith("---") ? text : "---\n" + text);
                }
            }
            return;
        }
        if (!plan.writes()) {
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
