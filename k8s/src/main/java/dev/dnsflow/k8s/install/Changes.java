package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Writes the steps of a plan in order. An update reads the object afresh, applies its edit and writes with the
 * resourceVersion it read, so a concurrent change is a conflict (409), answered by reading again (up to
 * {@value #ATTEMPTS} times), never by overwriting. When a step fails, every step written before it is undone, newest
 * first, and the failure says what was undone, or what could not be and how to finish by hand. Before the first write
 * it asks the API server whether every write is allowed, and names all that are not.
 */
public final class Changes {
    static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final KubernetesSerialization json;
    private final Consumer<String> progress;

    public Changes(KubernetesClient client, Consumer<String> progress) {
        this.client = client;
        this.json = client.getKubernetesSerialization();
        this.progress = progress;
    }

    /** @return how many steps changed something (0: everything was already so) */
    public int apply(List<Step> steps) {
        List<String> denied = Access.denied(client, steps);
        if (!denied.isEmpty()) {
            throw new InstallException("your credentials may not " + String.join(", ", denied) + " (the API server says so when "
                    + "asked: SelfSubjectAccessReview); nothing was changed. Use an account with those rights (cluster-admin has "
                    + "them), or see what you may do with: kubectl auth can-i --list");
        }
        Deque<Runnable> undo = new ArrayDeque<>();
        Deque<String> undone = new ArrayDeque<>();
        int changed = 0;
        for (Step step : steps) {
            try {
                if (run(step, undo, undone)) {
                    changed++;
                }
            } catch (RuntimeException e) {
                throw new InstallException(e.getMessage() + rollBack(undo, undone), e);
            }
        }
        return changed;
    }

    private boolean run(Step step, Deque<Runnable> undo, Deque<String> undone) {
        if (step instanceof Step.AwaitRollout w) {
            Rollout.await(client, w.namespace(), w.deployment(), w.timeout(), progress);
            return false;
        }
        if (step instanceof Step.Create c) {
            create(c.object());
            undo.push(() -> delete(c.object()));
            undone.push("deleted " + Step.id(c.object()));
        } else if (step instanceof Step.Delete d) {
            if (!delete(d.object())) {
                return false;
            }
            undo.push(() -> create(d.object()));
            undone.push("created " + Step.id(d.object()) + " again");
        } else if (step instanceof Step.Update<?> u && !updated(u, undo, undone)) {
            return false;
        }
        progress.accept(step.describe().replaceFirst("^(create|update|delete)", "$1d"));
        return true;
    }

    private <T extends HasMetadata> boolean updated(Step.Update<T> u, Deque<Runnable> undo, Deque<String> undone) {
        if (!update(u.object(), u.edit(), u.describe())) {
            return false;
        }
        undo.push(() -> update(u.object(), u.undo(), "undo"));
        undone.push("put " + Step.id(u.object()) + " back as it was");
        return true;
    }

    private String rollBack(Deque<Runnable> undo, Deque<String> undone) {
        if (undo.isEmpty()) {
            return "; nothing had been changed";
        }
        List<String> done = new ArrayList<>();
        while (!undo.isEmpty()) {
            String what = undone.pop();
            try {
                undo.pop().run();
                done.add(what);
                progress.accept("rolled back: " + what);
            } catch (RuntimeException e) {
                List<String> left = new ArrayList<>(List.of(what));
                left.addAll(undone);
                return "; rolled back " + (done.isEmpty() ? "nothing" : String.join(", ", done)) + ", but then failed: " + e.getMessage()
                        + ". Still to undo: " + String.join(", ", left) + " (`dnsflow uninstall --force` does that)";
            }
        }
        return "; rolled back everything: " + String.join(", ", done);
    }

    private void create(HasMetadata object) {
        HasMetadata fresh = json.clone(object);
        fresh.getMetadata().setResourceVersion(null);
        fresh.getMetadata().setUid(null);
        Api.call("create", plural(object), object.getMetadata().getNamespace(), () -> client.resource(fresh).create());
    }

    /** @return false when it was gone already */
    private boolean delete(HasMetadata object) {
        return Api.call("delete", plural(object), object.getMetadata().getNamespace(),
                () -> !client.resource(object).withTimeoutInMillis(0).delete().isEmpty());
    }

    /** @return false when the edit changed nothing */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> boolean update(T planned, UnaryOperator<T> edit, String what) {
        String ns = planned.getMetadata().getNamespace();
        for (int attempt = 1; ; attempt++) {
            T current = (T) Api.call("get", plural(planned), ns, () -> client.resource(planned).get());
            if (current == null) {
                throw new InstallException(Step.id(planned) + " is gone (deleted while we worked)");
            }
            T edited = edit.apply(current);
            if (json.asJson(edited).equals(json.asJson(current))) {
                return false;
            }
            try {
                Api.call("update", plural(planned), ns, () -> client.resource(edited).update());
                return true;
            } catch (Api.Conflict e) {
                if (attempt == ATTEMPTS) {
                    throw new InstallException(Step.id(planned) + " kept changing under us (" + ATTEMPTS + " conflicts in a row); "
                            + "try again when whoever else writes it is done");
                }
                progress.accept(Step.id(planned) + " changed since we read it; reading it again (" + what + ")");
            }
        }
    }

    static String plural(HasMetadata o) {
        return HasMetadata.getPlural(o.getClass());
    }
}
