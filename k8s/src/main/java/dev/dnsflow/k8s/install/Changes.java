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
 * {@value #ATTEMPTS} times), never by overwriting. When an install's step fails, every step written before it is undone,
 * newest first, and the failure says what was undone, or what could not be and how to finish by hand. Before the first
 * write it asks the API server whether every write is allowed, and names all that are not.
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

    /**
     * Writes the plan's steps. When one fails: an install undoes what it wrote; an uninstall says what it did and what
     * not and undoes nothing, because once the original Corefile is back, going back would point CoreDNS at a sidecar
     * that may be gone already, and every step of it is safe to repeat.
     *
     * @return how many steps changed something (0: everything was already so)
     */
    public int apply(Plan plan) {
        return apply(plan.steps(), plan.undoOnFailure());
    }

    private int apply(List<Step> steps, boolean undoOnFailure) {
        List<String> denied = Access.denied(client, steps);
        if (!denied.isEmpty()) {
            throw new InstallException("your credentials may not " + String.join(", ", denied) + " (the API server says so when "
                    + "asked: SelfSubjectAccessReview); nothing was changed. Use an account with those rights (cluster-admin has "
                    + "them), or see what you may do with: kubectl auth can-i --list");
        }
        Deque<Written> written = new ArrayDeque<>();
        int changed = 0;
        for (int i = 0; i < steps.size(); i++) {
            try {
                Written w = run(steps.get(i));
                if (w != null) {
                    written.push(w);
                    changed++;
                }
            } catch (RuntimeException e) {
                if (undoOnFailure) {
                    throw new InstallException(e.getMessage() + rollBack(written), e);
                }
                List<String> did = new ArrayList<>();
                written.descendingIterator().forEachRemaining(w -> did.add(w.did()));
                List<String> left = steps.subList(i, steps.size()).stream().map(Step::describe).toList();
                throw new InstallException(e.getMessage() + "; done before that: " + (did.isEmpty() ? "nothing" : String.join(", ", did))
                        + "; not done: " + String.join("; ", left) + ". Every step can be repeated: run the command again", e);
            }
        }
        return changed;
    }

    /** A step that wrote something: what it did, and how to undo it. */
    private record Written(String did, String undoes, Runnable undo) {
    }

    /** @return what was written, or null when the step changed nothing (or only waited) */
    private Written run(Step step) {
        Written w;
        if (step instanceof Step.AwaitRollout a) {
            Rollout.await(client, a.namespace(), a.deployment(), a.timeout(), progress);
            return null;
        } else if (step instanceof Step.Create c) {
            create(c.object());
            w = new Written("created " + Step.id(c.object()), "deleted " + Step.id(c.object()), () -> delete(c.object()));
        } else if (step instanceof Step.Delete d) {
            if (!delete(d.object())) {
                return null;
            }
            w = new Written("deleted " + Step.id(d.object()), "created " + Step.id(d.object()) + " again", () -> create(d.object()));
        } else {
            w = updated((Step.Update<?>) step);
            if (w == null) {
                return null;
            }
        }
        progress.accept(w.did() + (step instanceof Step.Update<?> u ? ": " + u.what() : ""));
        return w;
    }

    private <T extends HasMetadata> Written updated(Step.Update<T> u) {
        if (!update(u.object(), u.edit(), u.describe())) {
            return null;
        }
        return new Written("updated " + Step.id(u.object()), "put " + Step.id(u.object()) + " back as it was",
                () -> update(u.object(), u.undo(), "undo"));
    }

    private String rollBack(Deque<Written> written) {
        if (written.isEmpty()) {
            return "; nothing had been changed";
        }
        List<String> done = new ArrayList<>();
        while (!written.isEmpty()) {
            Written w = written.pop();
            try {
                w.undo().run();
                done.add(w.undoes());
                progress.accept("rolled back: " + w.undoes());
            } catch (RuntimeException e) {
                List<String> left = new ArrayList<>(List.of(w.did()));
                written.forEach(x -> left.add(x.did()));
                return "; rolled back " + (done.isEmpty() ? "nothing" : String.join(", ", done)) + ", but then failed: " + e.getMessage()
                        + ". Still to undo by hand: " + String.join(", ", left) + " (kubectl delete what was created; kubectl "
                        + "edit what was updated: its dnsflow.dev/ annotations hold what it was)";
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
