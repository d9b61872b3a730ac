package dev.dnsflow.otel;

import dev.dnsflow.plan.Flag;
import dev.dnsflow.plan.Flags;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.server.DnsProxy;
import dev.dnsflow.util.Durations;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code otel}: every flow as an OpenTelemetry trace, exported over OTLP ({@link OtlpSink}). Off unless
 * {@code --otlp-endpoint} or {@code OTEL_EXPORTER_OTLP_ENDPOINT} / {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is
 * set; the other standard variables are read by the SDK ({@link OtlpConfig}).
 *
 * <pre>
 * --otlp-endpoint URL        $OTEL_EXPORTER_OTLP_ENDPOINT (http/protobuf: URL/v1/traces)
 * --otlp-sample RATIO        1.0: share of ordinary flows exported (failed and slow ones always are)
 * --otlp-slow DURATION       100ms: a flow slower than this is always exported
 * </pre>
 * Metrics: {@code dnsflow_flows_dropped_total{sink="otlp"}}, {@code dnsflow_otlp_export_errors_total{reason}},
 * {@code dnsflow_otlp_spans_exported_total}, {@code dnsflow_otlp_queue}.
 */
public final class OtlpPlugin implements Plugin {
    public static final Flag<String> ENDPOINT = Flag.of("--otlp-endpoint", "URL",
            "Export every flow as an OpenTelemetry trace to this OTLP collector (http/protobuf: URL/v1/traces; "
                    + "OTEL_EXPORTER_OTLP_PROTOCOL=grpc for gRPC). Default: $OTEL_EXPORTER_OTLP_ENDPOINT or "
                    + "$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else no traces.", "", OtlpPlugin::url);
    public static final Flag<Double> SAMPLE = Flag.of("--otlp-sample", "RATIO",
            "The share of ordinary flows exported as traces, 0 to 1, picked by trace ID so every hop keeps the same "
                    + "queries; failed flows and those slower than --otlp-slow are always exported. Default: 1.0.",
            "1.0", OtlpPlugin::ratio);
    public static final Flag<Duration> SLOW = Flag.of("--otlp-slow", "DURATION",
            "A flow that took longer than this is always exported as a trace, whatever --otlp-sample says. "
                    + "Default: 100ms.", "100ms", Durations::parse);

    /** Every flag of this plugin, for front ends that list flags before any plugin is built. */
    public static final List<Flag<?>> FLAGS = List.of(ENDPOINT, SAMPLE, SLOW);

    private final Map<String, String> env;
    private final Consumer<String> notice;

    /**
     * @param env    the process environment: the {@code OTEL_*} variables, and the downward API's POD_NAME,
     *               POD_NAMESPACE, NODE_NAME for the resource
     * @param notice where one-line notices go (stderr)
     */
    public OtlpPlugin(Map<String, String> env, Consumer<String> notice) {
        this.env = Map.copyOf(env);
        this.notice = notice;
    }

    @Override
    public String name() {
        return "otel";
    }

    @Override
    public List<Flag<?>> flags() {
        return FLAGS;
    }

    @Override
    public void setup(Plan plan) {
        Flags flags = plan.flags();
        String endpoint = flags.get(ENDPOINT);
        if (!OtlpConfig.enabled(endpoint, env)) {
            return;
        }
        Sampling sampling = new Sampling(flags.get(SAMPLE), flags.get(SLOW).toNanos() / 1000);
        OtlpConfig.Configured otlp;
        try {
            otlp = OtlpConfig.configure(env, endpoint, DnsProxy.version());
        } catch (RuntimeException e) { // a bad OTEL_* value: the SDK names it
            throw new IllegalStateException("OpenTelemetry export: " + e.getMessage(), e);
        }
        if (otlp == null) {
            notice.accept("traces off: OTEL_SDK_DISABLED is set");
            return;
        }
        plan.closeWhenStopped(otlp);
        FlowSpans spans = new FlowSpans(otlp.resource(),
                InstrumentationScopeInfo.builder("dev.dnsflow").setVersion(DnsProxy.version()).build());
        plan.sink(new OtlpSink(otlp.exporter(), otlp.attempts(), spans, sampling, plan.metrics(), otlp.exportWait(),
                OtlpSink.QUEUE_FLOWS));
    }

    static double ratio(String text) {
        double ratio;
        try {
            ratio = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number: give a ratio from 0 to 1");
        }
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("'" + text + "' is out of range: give a ratio from 0 to 1");
        }
        return ratio;
    }

    static String url(String text) {
        String t = text.strip();
        if (!t.isEmpty() && !t.startsWith("http://") && !t.startsWith("https://")) {
            throw new IllegalArgumentException("'" + text + "': give an http:// or https:// URL");
        }
        return t;
    }
}
