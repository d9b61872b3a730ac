/**
 * {@code dnsflow install}, {@code uninstall} and {@code status}: put the dnsflow sidecar into a cluster's CoreDNS and
 * take it out again, leaving the objects as they were.
 *
 * <p>{@link dev.dnsflow.k8s.install.CorednsFinder} finds CoreDNS and tells the distribution apart,
 * {@link dev.dnsflow.k8s.install.InstallPlanner} and {@link dev.dnsflow.k8s.install.UninstallPlanner} compute every
 * object to write before anything is written, and {@link dev.dnsflow.k8s.install.Changes} writes them in order,
 * retrying conflicts and undoing what it wrote when a later step fails. What install changed is recorded on the
 * objects themselves ({@link dev.dnsflow.k8s.install.Marks}), so uninstall needs nothing else.
 */
package dev.dnsflow.k8s.install;
