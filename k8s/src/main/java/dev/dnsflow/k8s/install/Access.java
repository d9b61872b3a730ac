package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Before the first write: may we do every write of the plan? The API server answers for each verb and resource
 * (SelfSubjectAccessReview, open to every authenticated user), so a missing right is named up front, all of them at
 * once, instead of after a five-minute rollout that then has to be undone.
 */
final class Access {
    private Access() {
    }

    /** What is denied, as {@code update configmaps in kube-system}; empty when everything is allowed or cannot be asked. */
    static List<String> denied(KubernetesClient client, List<Step> steps) {
        Set<String> asked = new LinkedHashSet<>();
        List<String> denied = new ArrayList<>();
        for (Step step : steps) {
            HasMetadata o = step.object();
            if (o == null) {
                continue;
            }
            String verb = step instanceof Step.Create ? "create" : step instanceof Step.Delete ? "delete" : "update";
            String resource = HasMetadata.getPlural(o.getClass());
            String ns = o.getMetadata().getNamespace();
            if (!asked.add(verb + " " + resource + Api.where(ns))) {
                continue;
            }
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                    .withVerb(verb).withGroup(HasMetadata.getGroup(o.getClass())).withResource(resource).withNamespace(ns)
                    .withName(o.getMetadata().getName()).endResourceAttributes().endSpec().build();
            try {
                SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
                if (answer.getStatus() != null && Boolean.FALSE.equals(answer.getStatus().getAllowed())) {
                    denied.add(verb + " " + resource + Api.where(ns));
                }
            } catch (RuntimeException e) {
                return denied; // a server that cannot answer: the writes will say what else is refused, if anything
            }
        }
        return denied;
    }
}
