package dev.dnsflow.pipeline;

/**
 * One step of the query path (acl, format, forward, …), in the style of a CoreDNS plugin: it either
 * answers the exchange itself or passes it on. A stage runs on the exchange's event loop and must
 * not block.
 */
public interface Stage {
    /** The stage's name as operators see it (package doc, metrics). */
    String name();

    void serve(Exchange exchange, Next next);

    /** The rest of the chain. */
    @FunctionalInterface
    interface Next {
        void serve(Exchange exchange);
    }
}
