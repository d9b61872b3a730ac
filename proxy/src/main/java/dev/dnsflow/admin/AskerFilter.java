package dev.dnsflow.admin;

import dev.dnsflow.flow.Flow;
import dev.dnsflow.flow.K8sNames;
import dev.dnsflow.flow.K8sRef;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The filters on who asked, in the cluster ({@link K8sNames#asker}: the pod behind CoreDNS when the flow has an
 * origin, else the client): {@code namespace=NS}, {@code pod=NAME} (exactly, or a {@code *} glob such as
 * {@code web-*}), {@code workload=[KIND/]NAME} ({@code Deployment/web} or {@code web}; the kind in any case) and
 * {@code node=NAME} (pods on that node, and a hostNetwork asker seen as the node itself). A flow whose asker is
 * not known never matches them. A value that cannot be a Kubernetes name is refused, naming the parameter.
 */
final class AskerFilter {
    static final Set<String> PARAMETERS = Set.of("namespace", "pod", "workload", "node");

    /** RFC 1123 label: namespaces. */
    private static final String LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
    /** RFC 1123 subdomain: pods, workloads, nodes. */
    private static final String SUBDOMAIN = "(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

    private AskerFilter() {
    }

    static Predicate<Flow> of(String key, String value) {
        return switch (key) {
            case "namespace" -> {
                check(key, value, value.matches(LABEL), "a namespace (lowercase letters, digits and '-', at most 63)");
                yield asker(a -> value.equals(a.namespace()));
            }
            case "pod" -> {
                check(key, value, value.length() <= 253 && value.matches("[a-z0-9.*-]+"),
                        "a pod name, or a glob such as web-* (lowercase letters, digits, '-', '.' and '*')");
                yield asker(a -> a.isPod() && glob(value, a.name()));
            }
            case "workload" -> workload(value);
            case "node" -> {
                check(key, value, value.matches(SUBDOMAIN), "a node name (lowercase letters, digits, '-' and '.')");
                yield asker(a -> value.equals(a.node()) || a.isNode() && value.equals(a.name()));
            }
            default -> throw new IllegalStateException(key);
        };
    }

    private static Predicate<Flow> workload(String value) {
        int slash = value.indexOf('/');
        String kind = slash < 0 ? null : value.substring(0, slash);
        String name = value.substring(slash + 1);
        check("workload", value, (kind == null || kind.matches("[A-Za-z]{1,63}")) && name.matches(SUBDOMAIN),
                "[KIND/]NAME, e.g. Deployment/web or web");
        // a pod no controller owns is its own workload, Pod/NAME, as top and diagnose show it
        return asker(a -> a.hasWorkload() ? name.equals(a.workloadName()) && (kind == null || kind.equalsIgnoreCase(a.workloadKind()))
                : a.isPod() && name.equals(a.name()) && (kind == null || kind.equalsIgnoreCase("Pod")));
    }

    private static Predicate<Flow> asker(Predicate<K8sRef> test) {
        return flow -> {
            K8sRef asker = K8sNames.asker(flow);
            return asker != null && test.test(asker);
        };
    }

    private static void check(String key, String value, boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not " + what);
        }
    }

    /**
     * Whether {@code text} matches {@code pattern}, where {@code *} stands for any run of characters. Greedy with
     * one backtrack point, so time stays O(pattern × text) whatever the stars (no regex, no blow-up).
     */
    static boolean glob(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
