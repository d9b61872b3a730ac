/**
 * {@code otel}: every flow as an OpenTelemetry trace, exported over OTLP to the collector operators already run.
 * A flow sink in its own module, so the engine ({@code proxy}) imports no OpenTelemetry class.
 *
 * <p>Syntax: {@code --otlp-endpoint URL} (or {@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}; the other {@code OTEL_*}
 * variables as the SDK reads them) [{@code --otlp-sample 1.0}] [{@code --otlp-slow 100ms}].
 * Parts: {@link dev.dnsflow.otel.OtlpPlugin} (flags, set-up), {@code OtlpConfig} (the SDK's autoconfiguration:
 * exporter and resource), {@code TraceIds} (deterministic IDs, so two hops agree), {@code Sampling},
 * {@code FlowSpans} (flow → spans), {@code OtlpSink} (bounded queue, export thread), {@code ExportErrors}.
 * Metrics: {@code dnsflow_flows_dropped_total{sink="otlp"}}, {@code dnsflow_otlp_export_errors_total{reason}},
 * {@code dnsflow_otlp_spans_exported_total}, {@code dnsflow_otlp_queue}. See the README's "Traces (OpenTelemetry)".
 */
package dev.dnsflow.otel;
