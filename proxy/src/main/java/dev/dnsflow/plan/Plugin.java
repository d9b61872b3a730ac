package dev.dnsflow.plan;

import java.util.List;

/**
 * A capability, in the manner of a CoreDNS plugin's {@code setup.go}: it holds its options (already
 * checked, or read from its own {@link #flags() flags}), and adds its parts to the {@link Plan}: a
 * stage on the query path, flow sinks, flow enrichers, admin routes, metrics, listeners of its own.
 * Constructing a plugin and declaring its flags opens nothing; {@link #setup} runs once per proxy,
 * before the DNS frontends bind (it may open what its parts need: upstream sockets, a log file).
 */
public interface Plugin {
    /** The capability's name as operators know it (the package it lives in). */
    String name();

    /**
     * Flags this plugin reads from the serving commands' command line ({@code proxy}, {@code sidecar}, …),
     * shown in their {@code --help} after the built-in ones; values reach it as {@link Plan#flags()}.
     * The front end asks the declared list ({@code server.Plugins}) and the plugins it adds itself.
     */
    default List<Flag<?>> flags() {
        return List.of();
    }

    /** Adds this capability's parts to the plan. Bad options fail here with a message naming the flag. */
    void setup(Plan plan);
}
