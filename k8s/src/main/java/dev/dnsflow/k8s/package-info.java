/**
 * Kubernetes integration (fabric8 informers for pod/namespace/service/node names, install and
 * uninstall, manifests, dashboard and alerts). {@link dev.dnsflow.k8s.ClusterIndex} answers what an
 * IP address was when a flow started; {@link dev.dnsflow.k8s.ClusterWatch} keeps it current from informers.
 * For the cluster-wide view of {@code observe}/{@code diagnose --kubernetes}: {@link dev.dnsflow.k8s.KubeConfigs}
 * finds the cluster as kubectl does, {@link dev.dnsflow.k8s.DnsflowInstances} the running dnsflow pods, and
 * {@link dev.dnsflow.k8s.PodProxy} reaches their admin APIs through the API server's pod proxy.
 */
package dev.dnsflow.k8s;
