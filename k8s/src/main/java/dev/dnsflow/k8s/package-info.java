/**
 * Kubernetes integration (fabric8 informers for pod/namespace/service/node names, install and
 * uninstall, manifests, dashboard and alerts). Empty until the Kubernetes enrichment issue.
 */
package dev.dnsflow.k8s;
