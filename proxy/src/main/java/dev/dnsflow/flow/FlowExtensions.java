package dev.dnsflow.flow;

import java.util.List;

/** The flow package's own {@link FlowExtension}s, for {@link java.util.ServiceLoader}. */
public final class FlowExtensions implements FlowExtension.Provider {
    @Override
    public List<FlowExtension<?>> extensions() {
        return List.of(CorednsSide.KEY, CacheMark.KEY);
    }
}
