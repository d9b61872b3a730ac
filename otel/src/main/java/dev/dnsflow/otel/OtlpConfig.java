package dev.dnsflow.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.internal.AutoConfigureUtil;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The OTLP exporter and the resource, as the OpenTelemetry SDK's autoconfiguration reads them from the standard
 * variables of the environment map the plugin was given, and from nothing else
 * ({@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}, {@code _HEADERS}, {@code _PROTOCOL}, {@code _TIMEOUT}, {@code OTEL_SERVICE_NAME}, {@code OTEL_RESOURCE_ATTRIBUTES}, …): none of them is parsed here. The SDK's tracer
 * is not used (spans come from flows, with their own IDs and times: {@link FlowSpans}); only the exporter it
 * configured and the resource are kept.
 *
 * <p>What dnsflow adds: {@code --otlp-endpoint} (meaning what {@code OTEL_EXPORTER_OTLP_ENDPOINT} means, and
 * winning over both variables), {@code service.name=dnsflow} unless named otherwise, {@code service.version},
 * {@code host.name}, and the pod's own {@code k8s.pod.name}, {@code k8s.namespace.name}, {@code k8s.node.name}
 * from the downward API's {@code POD_NAME}, {@code POD_NAMESPACE}, {@code NODE_NAME} (the manifests set them),
 * each unless {@code OTEL_RESOURCE_ATTRIBUTES} sets it.
 */
final class OtlpConfig {
    private static final String SDK_DEFAULT_SERVICE = "unknown_service:java";
    /** Beyond the exporter's own timeout (its retries included), how long an export is waited for. */
    private static final Duration MARGIN = Duration.ofSeconds(5);

    /** The configured exporter, the resource and how long to wait for one export; {@link #close} shuts the SDK. */
    record Configured(SpanExporter exporter, ExportErrors.Attempts attempts, Resource resource, Duration exportWait,
                      OpenTelemetrySdk sdk) implements AutoCloseable {
        @Override
        public void close() {
            sdk.close();
        }
    }

    private OtlpConfig() {
    }

    /** Whether traces are asked for: {@code --otlp-endpoint} given, or either endpoint variable set. */
    static boolean enabled(String endpointFlag, Map<String, String> env) {
        return !endpointFlag.isBlank() || !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
                || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
    }

    /**
     * @param env          the only source of configuration: production passes the process environment; the process's
     *                     own variables and {@code -Dotel.*} system properties are not read (the SDK's
     *                     autoconfiguration would lay them over {@code env}, so a test's result would depend on the
     *                     shell it ran in)
     * @param endpointFlag {@code --otlp-endpoint}, or blank
     * @return null when the SDK is disabled ({@code OTEL_SDK_DISABLED=true})
     */
    static Configured configure(Map<String, String> env, String endpointFlag, String version) {
        AtomicReference<SpanExporter> exporter = new AtomicReference<>();
        ExportErrors.Attempts attempts = new ExportErrors.Attempts();
        AtomicReference<Resource> resource = new AtomicReference<>();
        AtomicReference<Duration> timeout = new AtomicReference<>(Duration.ofSeconds(10));
        ConfigProperties config = config(env, endpointFlag);
        AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder()
                .disableShutdownHook() // the proxy closes the sink, which flushes, then this
                .addResourceCustomizer((r, c) -> {
                    Resource ours = withDefaults(r, env, version);
                    resource.set(ours);
                    return ours;
                })
                .addSpanExporterCustomizer((e, c) -> {
                    exporter.set(c.getBoolean("otel.java.exporter.otlp.retry.disabled", false) ? e
                            : watchingAttempts(e, attempts));
                    timeout.set(c.getDuration("otel.exporter.otlp.traces.timeout",
                            c.getDuration("otel.exporter.otlp.timeout", Duration.ofSeconds(10))));
                    // The SDK's own span pipeline never sees a span; the exporter is ours (OtlpSink) to use and shut.
                    return SpanExporter.composite();
                });
        // The configuration the builder computed (System.getenv() and -Dotel.* over any supplied defaults) is
        // replaced whole by ours. The builder's own setConfig is package-private; this is the SDK's public hook for it.
        AutoConfigureUtil.setConfigPropertiesCustomizer(builder, computed -> config);
        AutoConfiguredOpenTelemetrySdk sdk = builder.build();
        if (exporter.get() == null) {
            sdk.getOpenTelemetrySdk().close();
            return null;
        }
        return new Configured(exporter.get(), attempts, resource.get(), timeout.get().plus(MARGIN),
                sdk.getOpenTelemetrySdk());
    }

    /**
     * The same exporter, with the SDK's default retry policy whose exception predicate keeps each attempt's I/O
     * failure ({@link ExportErrors.Attempts}), so an export the timeout ends is still counted as {@code connection}
     * when the collector refused or reset every attempt. The configured one is shut.
     */
    private static SpanExporter watchingAttempts(SpanExporter configured, ExportErrors.Attempts attempts) {
        RetryPolicy retry = RetryPolicy.getDefault().toBuilder().setRetryExceptionPredicate(attempts).build();
        SpanExporter ours;
        if (configured instanceof OtlpHttpSpanExporter http) {
            ours = http.toBuilder().setRetryPolicy(retry).build();
        } else if (configured instanceof OtlpGrpcSpanExporter grpc) {
            ours = grpc.toBuilder().setRetryPolicy(retry).build();
        } else {
            return configured; // not an OTLP exporter we know: its failures keep the reason they give
        }
        configured.shutdown();
        return ours;
    }

    /** Everything the SDK is configured with: {@code env}'s {@code OTEL_*} variables, then dnsflow's own settings. */
    static ConfigProperties config(Map<String, String> env, String endpointFlag) {
        Map<String, String> all = properties(env);
        all.putAll(overrides(DefaultConfigProperties.createFromMap(all), endpointFlag));
        return DefaultConfigProperties.createFromMap(all);
    }

    /**
     * The {@code OTEL_*} variables of {@code env} under their property names ({@code otel.exporter.otlp.endpoint}),
     * over dnsflow's defaults: http/protobuf, which the specification makes the default (the Java SDK's
     * autoconfiguration still defaults to grpc).
     */
    static Map<String, String> properties(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        out.put("otel.exporter.otlp.protocol", "http/protobuf");
        env.forEach((name, value) -> {
            if (name.startsWith("OTEL_")) {
                out.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return out;
    }

    /** Traces only, over OTLP; metrics and logs stay with Prometheus and the flow log. */
    private static Map<String, String> overrides(ConfigProperties config, String endpointFlag) {
        Map<String, String> out = new HashMap<>();
        out.put("otel.traces.exporter", "otlp");
        out.put("otel.metrics.exporter", "none");
        out.put("otel.logs.exporter", "none");
        out.put("otel.traces.sampler", "always_off"); // the SDK's tracer is never used; flows are sampled by Sampling
        if (!endpointFlag.isBlank()) {
            // --otlp-endpoint is a base URL like OTEL_EXPORTER_OTLP_ENDPOINT, and wins over the traces variable too.
            String protocol = config.getString("otel.exporter.otlp.traces.protocol",
                    config.getString("otel.exporter.otlp.protocol", "http/protobuf"));
            String base = endpointFlag.strip();
            out.put("otel.exporter.otlp.endpoint", base);
            out.put("otel.exporter.otlp.traces.endpoint", "grpc".equals(protocol) ? base
                    : (base.endsWith("/") ? base : base + "/") + "v1/traces");
        }
        return out;
    }

    private static Resource withDefaults(Resource configured, Map<String, String> env, String version) {
        AttributesBuilder ours = Attributes.builder().put("service.name", "dnsflow").put("service.version", version);
        String host = host(env);
        if (host != null) {
            ours.put("host.name", host);
        }
        putIfSet(ours, "k8s.pod.name", env.get("POD_NAME"));
        putIfSet(ours, "k8s.namespace.name", env.get("POD_NAMESPACE"));
        putIfSet(ours, "k8s.node.name", env.get("NODE_NAME"));
        Resource merged = Resource.create(ours.build()).merge(configured); // what the variables say wins
        if (SDK_DEFAULT_SERVICE.equals(merged.getAttribute(AttributeKey.stringKey("service.name")))) {
            merged = merged.merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "dnsflow")));
        }
        return merged;
    }

    private static void putIfSet(AttributesBuilder b, String key, String value) {
        if (value != null && !value.isBlank()) {
            b.put(key, value.strip());
        }
    }

    private static String host(Map<String, String> env) {
        String fromEnv = env.get("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
