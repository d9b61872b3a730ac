package dev.dnsflow.k8s.install;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * One API call, its failure in the words an operator needs: which verb on which resource where was refused (403), or
 * what the server said. A conflict (409) is left to the caller, which reads the object again and retries.
 */
final class Api {
    private Api() {
    }

    /** Someone else changed the object between our read and our write (409). */
    static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(KubernetesClientException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * @param verb the RBAC verb the call needs ({@code get}, {@code update}, {@code create}, {@code delete})
     * @param resource the RBAC resource ({@code configmaps}, {@code clusterroles}, ...)
     * @param namespace where, or null for a cluster-wide resource
     */
    static <T> T call(String verb, String resource, String namespace, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 && verb.equals("update")) {
                throw new Conflict(e);
            }
            throw failure(verb, resource, namespace, e);
        }
    }

    static InstallException failure(String verb, String resource, String namespace, KubernetesClientException e) {
        String what = verb + " " + resource + where(namespace);
        String said = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        return switch (e.getCode()) {
            case 403 -> new InstallException("cannot " + what + ": the API server refused (403 Forbidden). Your credentials need "
                    + "'" + verb + "' on " + resource + where(namespace) + " (cluster-admin has it)"
                    + (resource.startsWith("clusterrole") ? "; granting a role also needs every right it grants, or 'bind' "
                    + "and 'escalate' on clusterroles" : "") + ". The server said: " + said, e);
            case 409 -> new InstallException("cannot " + what + ": it exists already (created by someone else since we looked?); "
                    + "run the command again", e);
            case 401 -> new InstallException("cannot " + what + ": the API server did not accept the credentials (401 "
                    + "Unauthorized); check the kubeconfig's user (kubectl auth whoami)", e);
            case 0, -1 -> new InstallException("cannot " + what + ": " + cause(e), e);
            default -> new InstallException("cannot " + what + ": " + e.getCode() + " from the API server: " + said, e);
        };
    }

    static String where(String namespace) {
        return namespace == null ? " (cluster-wide)" : " in " + namespace;
    }

    private static String cause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return "the API server did not answer (" + m + ")";
    }
}
