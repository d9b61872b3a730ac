/**
 * {@code otel}: every flow as an OpenTelemetry trace, exported over OTLP to the collector operators already run.
 * A flow sink in its own module, so the engine ({@code proxy}) imports no OpenTelemetry class.
 */
package dev.dnsflow.otel;
