package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** One step of an install or uninstall, computed before anything is written (so a dry run can print it). */
public sealed interface Step {
    /** What the step writes (null for a wait): what {@code --dry-run -o yaml} prints. */
    HasMetadata object();

    /** One line for the progress output and the dry run: {@code update Deployment kube-system/coredns: ...}. */
    String describe();

    /** Create an object that is not there. */
    record Create(HasMetadata object) implements Step {
        @Override
        public String describe() {
            return "create " + id(object);
        }
    }

    /**
     * Change an object: {@code edit} applied to the object as read just before the write (again after a conflict), and
     * {@code undo} to put back what the edit changed, should a later step fail.
     *
     * @param object the edit applied to the object as read when planning
     * @param what what the edit does, for the progress line
     */
    record Update<T extends HasMetadata>(T object, UnaryOperator<T> edit, UnaryOperator<T> undo, String what) implements Step {
        @Override
        public String describe() {
            return "update " + id(object) + ": " + what;
        }
    }

    /** Delete an object install created. */
    record Delete(HasMetadata object) implements Step {
        @Override
        public String describe() {
            return "delete " + id(object);
        }
    }

    /** Wait until every pod of the Deployment runs its current template. */
    record AwaitRollout(String namespace, String deployment, Duration timeout) implements Step {
        @Override
        public HasMetadata object() {
            return null;
        }

        @Override
        public String describe() {
            return "wait (up to " + timeout.toSeconds() + "s) until every pod of Deployment " + namespace + "/" + deployment
                    + " runs the new template";
        }
    }

    /** {@code Deployment kube-system/coredns}, {@code ClusterRole dnsflow}. */
    static String id(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return o.getKind() + " " + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }
}
