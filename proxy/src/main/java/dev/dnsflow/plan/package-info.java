/**
 * How a proxy is assembled, in the manner of CoreDNS's {@code setup.go} and {@code plugin.cfg}: each
 * capability is a {@link dev.dnsflow.plan.Plugin} that holds its options (or declares its own
 * {@link dev.dnsflow.plan.Flag flags}) and adds its parts (stage, flow sinks and enrichers, admin
 * routes, readiness checks, listeners) to a {@link dev.dnsflow.plan.Plan}. The proxy runs every plugin
 * of its declared list, then binds; nothing is attached after start. This package knows the engine's
 * shared parts but no capability, so every capability's package may depend on it.
 */
package dev.dnsflow.plan;
