package dev.dnsflow.net;

import java.util.Map;

/**
 * Production settings for Netty, applied by the {@code dnsflow} command before any Netty class loads
 * (Netty reads them once, at class initialisation). A value given with {@code -D} wins. Tests do not
 * go through here: they run with every check on and leak detection at paranoid.
 */
public final class NettyDefaults {
    /** Measured on the proxy's event loops (benchmarks/results/RESULTS.md). */
    static final Map<String, String> DEFAULTS = Map.of(
            // Per-access reference-count and bounds checks on every ByteBuf read: ~15 % of the loops' CPU.
            "io.netty.buffer.checkAccessible", "false",
            "io.netty.buffer.checkBounds", "false",
            // Sampled allocation stack traces and leak-aware wrappers: ~1.6 %. Leaks are the tests' job.
            "io.netty.leakDetection.level", "disabled");

    private NettyDefaults() {
    }

    public static void apply() {
        DEFAULTS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
