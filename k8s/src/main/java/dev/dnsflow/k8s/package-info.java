/**
 * Kubernetes integration (fabric8 informers for pod/namespace/service/node names, install and
 * uninstall, manifests, dashboard and alerts). {@link dev.dnsflow.k8s.ClusterIndex} answers what an
 * IP address was when a flow started; {@link dev.dnsflow.k8s.ClusterWatch} keeps it current from informers.
 */
package dev.dnsflow.k8s;
