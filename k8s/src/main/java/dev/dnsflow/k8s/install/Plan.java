package dev.dnsflow.k8s.install;

import java.util.List;

/**
 * Everything install or uninstall will do, worked out before the first write.
 *
 * @param coredns the CoreDNS it is about
 * @param steps the writes and waits, in order (empty: nothing to do)
 * @param changes what changes, one sentence each, for the user
 * @param warnings what the user should know or check
 * @param undoOnFailure when a step fails, undo the ones written before it (install), or stop there (uninstall)
 */
public record Plan(Coredns coredns, List<Step> steps, List<String> changes, List<String> warnings, boolean undoOnFailure) {
    /** Whether anything would be written. */
    public boolean writes() {
        return steps.stream().anyMatch(s -> s.object() != null);
    }
}
